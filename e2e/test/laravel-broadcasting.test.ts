// Laravel's broadcasting through the `askr` driver, driven only by the official clients:
// Echo (pusher-js) authorizes through the example app's own /broadcasting/auth with the
// user's session cookie, and events fired by the app with broadcast() reach it through the
// pod's broadcast ring — no Pusher SDK on the PHP side.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Echo from 'laravel-echo';
import PusherJsImport from 'pusher-js';
import nacl from 'tweetnacl';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually, http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

type PusherJsClass = typeof PusherJsImport.default;
const Pusher = ((PusherJsImport as unknown as { default?: PusherJsClass }).default ?? PusherJsImport) as unknown as PusherJsClass;

const app = join(repoRoot, 'examples/laravel');
const WAIT_MS = 15_000;

/** The app of `askr serve` and of config/broadcasting.php: the same values, given to both. */
const PUSHER = {
  id: 'shop',
  key: 'shop-key',
  secret: randomBytes(16).toString('hex'),
  masterKey: randomBytes(32).toString('base64'),
};
const PUSHER_ENV = {
  PUSHER_APP_ID: PUSHER.id,
  PUSHER_APP_KEY: PUSHER.key,
  PUSHER_APP_SECRET: PUSHER.secret,
  PUSHER_APP_ENCRYPTION_MASTER_KEY: PUSHER.masterKey,
};

interface AuthData { auth: string; channel_data?: string; shared_secret?: string }
interface Order { id: number; user_id: number; item: string; quantity: number }
interface OrderCreated { order: Order }
interface Member { id: number; name: string }

/** One browser tab: a session cookie and an Echo that authorizes with it. */
interface Tab {
  echo: Echo<'pusher'>;
  cookie: string;
  /** Status and body of every /broadcasting/auth answer, by channel name. */
  auths: Map<string, { status: number; body: string }>;
}

function cookieHeader(raw: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'set-cookie') out.push((raw[i + 1] ?? '').split(';')[0] ?? '');
  return out.join('; ');
}

// Worker mode (one booted app, a sandbox per request) and classic mode (public/index.php in a
// fresh fork per request) publish the same way: both run inside an Askr worker.
for (const mode of ['worker', 'classic'] as const) describe(`Laravel broadcasting through the askr driver, with Laravel Echo (${mode} mode)`, () => {
  let askr: AskrProcess;
  const tabs: Tab[] = [];

  before(async () => {
    askr = await startAskr(
      ['--root', join(app, 'public'), ...(mode === 'worker' ? ['--worker-script', join(app, 'worker.php')] : []), '--workers', '2',
        '--pusher', '--pusher-app-id', PUSHER.id, '--pusher-key', PUSHER.key, '--pusher-secret', PUSHER.secret],
      { env: PUSHER_ENV },
    );
  });
  after(async () => {
    for (const t of tabs) t.echo.disconnect();
    await askr.stop();
  });

  const login = async (user: number): Promise<string> => {
    const r = await http(`${askr.url}/leak/auth/login?user=${String(user)}`);
    assert.deepEqual(JSON.parse(r.text), { user });
    return cookieHeader(r.rawHeaders);
  };

  /** Opens a tab as `user` (null: a guest), connected, with `authorize` deciding how channels are authorized. */
  const open = async (user: number | null, authorize?: (socketId: string, channel: string) => Promise<AuthData>): Promise<Tab> => {
    const cookie = user === null ? '' : await login(user);
    const auths = new Map<string, { status: number; body: string }>();
    // pusher-js in Node refuses to set a Cookie header on its own request, so the handler
    // posts exactly what its 'ajax' transport would, plus the cookie a browser would send.
    const viaApp = async (socketId: string, channel: string): Promise<AuthData> => {
      const r = await http(`${askr.url}/broadcasting/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...(cookie === '' ? {} : { Cookie: cookie }) },
        body: new URLSearchParams({ socket_id: socketId, channel_name: channel }).toString(),
      });
      auths.set(channel, { status: r.status, body: r.text });
      if (r.status !== 200) throw new Error(`/broadcasting/auth answered ${String(r.status)}`);
      return JSON.parse(r.text) as AuthData;
    };
    const echo = new Echo({
      broadcaster: 'pusher',
      key: PUSHER.key,
      cluster: 'askr',
      wsHost: '127.0.0.1',
      wsPort: Number(new URL(askr.url).port),
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      nacl,
      // Echo types this option as the pusher-js module; at run time it is the class.
      Pusher: Pusher as unknown as typeof PusherJsImport,
      channelAuthorization: {
        endpoint: `${askr.url}/broadcasting/auth`,
        transport: 'ajax',
        customHandler: ({ socketId, channelName }, callback) => {
          (authorize ?? viaApp)(socketId, channelName).then((data) => { callback(null, data); }, (err: unknown) => { callback(err as Error, null); });
        },
      },
    });
    const tab: Tab = { echo, cookie, auths };
    tabs.push(tab);
    await eventually(() => (echo.socketId() ? true : undefined), WAIT_MS, 'Echo connected');
    return tab;
  };

  /** Subscribes to a private channel and resolves once the server confirmed it. */
  const listen = async (tab: Tab, channel: string, sink: OrderCreated[], encrypted = false): Promise<void> => {
    let subscribed = false;
    const ch = encrypted ? tab.echo.encryptedPrivate(channel) : tab.echo.private(channel);
    ch.listen('OrderCreated', (e: OrderCreated) => sink.push(e)).subscribed(() => { subscribed = true; });
    await eventually(() => (subscribed ? true : undefined), WAIT_MS, `subscribed to ${channel}`);
  };

  const order = async (tab: Tab, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Order> => {
    const r = await http(`${askr.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', Cookie: tab.cookie, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    assert.equal(r.status, 201, r.text);
    return (JSON.parse(r.text) as { order: Order }).order;
  };

  it('a private channel authorized by the app receives the OrderCreated the app broadcasts', async () => {
    const tab = await open(5);
    const got: OrderCreated[] = [];
    await listen(tab, 'orders.5', got);
    const auth = tab.auths.get('private-orders.5');
    assert.equal(auth?.status, 200);
    assert.match(auth.body, new RegExp(`^\\{"auth":"${PUSHER.key}:[0-9a-f]{64}"\\}$`));
    const placed = await order(tab, '/orders', { item: 'tea', quantity: '2' });
    await eventually(() => (got.length === 1 ? true : undefined), WAIT_MS, 'OrderCreated delivered');
    // The payload is the event's public properties; `socket` is the driver's, not the client's.
    assert.deepEqual(got, [{ order: placed }]);
    assert.deepEqual(placed, { id: placed.id, user_id: 5, item: 'tea', quantity: 2 });
  });

  it('another user, a guest and a borrowed signature are refused: Echo .error() fires', async () => {
    const owner = await open(6);
    await listen(owner, 'orders.6', []);
    const ownersAuth = JSON.parse(owner.auths.get('private-orders.6')?.body ?? '{}') as AuthData;

    const refusal = async (tab: Tab, channel: string): Promise<unknown> => {
      let failure: unknown;
      tab.echo.private(channel).error((e: unknown) => { failure = e; });
      return eventually(() => failure, WAIT_MS, `error() on ${channel}`);
    };
    const intruder = await open(7);
    await refusal(intruder, 'orders.6');
    assert.equal(intruder.auths.get('private-orders.6')?.status, 403);
    const guest = await open(null);
    await refusal(guest, 'orders.6');
    assert.equal(guest.auths.get('private-orders.6')?.status, 403);
    // The owner's answer was signed for the owner's socket: on another socket the server refuses it.
    const thief = await open(7, () => Promise.resolve(ownersAuth));
    const refused = await refusal(thief, 'orders.6');
    assert.equal((refused as { status?: number }).status, 401);

    const got: OrderCreated[] = [];
    owner.echo.private('orders.6').listen('OrderCreated', (e: OrderCreated) => got.push(e));
    const placed = await order(owner, '/orders', { item: 'cake' });
    await eventually(() => (got.length === 1 ? true : undefined), WAIT_MS, 'the owner still gets the order');
    assert.deepEqual(got, [{ order: placed }]);
  });

  it('presence: here() and joining() list the users by the names the channel callback returns', async () => {
    const ann = await open(21);
    let annHere: Member[] = [];
    const joined: Member[] = [];
    const left: Member[] = [];
    ann.echo.join('chat')
      .here((users: Member[]) => { annHere = users; })
      .joining((u: Member) => joined.push(u))
      .leaving((u: Member) => left.push(u));
    await eventually(() => (annHere.length === 1 ? true : undefined), WAIT_MS, "ann's here()");
    assert.deepEqual(annHere, [{ id: 21, name: 'user-21' }]);
    const channelData = JSON.parse(ann.auths.get('presence-chat')?.body ?? '{}') as AuthData;
    assert.deepEqual(JSON.parse(channelData.channel_data ?? ''), { user_id: 21, user_info: { id: 21, name: 'user-21' } });

    const bob = await open(22);
    let bobHere: Member[] = [];
    bob.echo.join('chat').here((users: Member[]) => { bobHere = users; });
    await eventually(() => (bobHere.length === 2 && joined.length === 1 ? true : undefined), WAIT_MS, 'bob joined');
    assert.deepEqual([...bobHere].sort((a, b) => a.id - b.id), [{ id: 21, name: 'user-21' }, { id: 22, name: 'user-22' }]);
    assert.deepEqual(joined, [{ id: 22, name: 'user-22' }]);
    bob.echo.leave('chat');
    await eventually(() => (left.length === 1 ? true : undefined), WAIT_MS, 'leaving()');
    assert.deepEqual(left, [{ id: 22, name: 'user-22' }]);
  });

  it("toOthers(): the tab whose X-Socket-ID placed the order does not get it, the user's other tab does", async () => {
    const sender = await open(9);
    const other = await open(9);
    const senderGot: OrderCreated[] = [];
    const otherGot: OrderCreated[] = [];
    await listen(sender, 'orders.9', senderGot);
    await listen(other, 'orders.9', otherGot);
    const first = await order(sender, '/orders/to-others', { item: 'soup' }, { 'X-Socket-ID': sender.echo.socketId() ?? '' });
    const second = await order(sender, '/orders', { item: 'bread' });
    // One ring, in order: once the sender has the second order, it has been passed the first.
    await eventually(() => (otherGot.length === 2 && senderGot.length === 1 ? true : undefined), WAIT_MS, 'both orders delivered');
    assert.deepEqual(otherGot, [{ order: first }, { order: second }]);
    assert.deepEqual(senderGot, [{ order: second }]);
  });

  it('private-encrypted- channels: the driver encrypts, the server relays ciphertext, pusher-js decrypts', async () => {
    const tab = await open(12);
    const got: OrderCreated[] = [];
    await listen(tab, 'orders.12', got, true);
    const auth = JSON.parse(tab.auths.get('private-encrypted-orders.12')?.body ?? '{}') as AuthData;
    assert.equal(Buffer.from(auth.shared_secret ?? '', 'base64').length, 32);
    const placed = await order(tab, '/orders', { item: 'secret sauce', encrypted: '1' });
    await eventually(() => (got.length === 1 ? true : undefined), WAIT_MS, 'encrypted OrderCreated');
    assert.deepEqual(got, [{ order: placed }]);
  });

  // The same in both modes: run once.
  if (mode === 'worker') it('outside a worker (a queue worker, artisan) the driver publishes through the signed HTTP API', async () => {
    const tab = await open(14);
    const got: OrderCreated[] = [];
    await listen(tab, 'orders.14', got);
    const script = [
      `require ${JSON.stringify(join(app, 'bootstrap/autoload.php'))};`,
      `$app = require ${JSON.stringify(join(app, 'bootstrap/app.php'))};`,
      '$app->make(Illuminate\\Contracts\\Console\\Kernel::class)->bootstrap();',
      'try {',
      "    broadcast(new App\\Events\\OrderCreated(['id' => 1, 'user_id' => 14, 'item' => 'from the queue', 'quantity' => 1]));",
      "    echo 'sent';",
      '} catch (Illuminate\\Broadcasting\\BroadcastException $e) {',
      "    echo 'refused: ', $e->getMessage();",
      '}',
    ].join('\n');
    const viaApi = await php(script, { ...PUSHER_ENV, ASKR_BROADCAST_API_URL: askr.url });
    assert.equal(viaApi, 'sent');
    await eventually(() => (got.length === 1 ? true : undefined), WAIT_MS, 'the event from outside the pod');
    assert.deepEqual(got, [{ order: { id: 1, user_id: 14, item: 'from the queue', quantity: 1 } }]);

    // With a wrong secret the pod refuses the request, and Laravel hears about it.
    const wrong = await php(script, { ...PUSHER_ENV, PUSHER_APP_SECRET: 'not-the-secret', ASKR_BROADCAST_API_URL: askr.url });
    assert.match(wrong, /^refused: Askr error: 401 /);
    // Without an API URL there is nowhere to publish: a clear error, not a silent drop.
    const nowhere = await php(script, PUSHER_ENV);
    assert.match(nowhere, /^refused: .*not one\. Set api_url/);
  });
});

/** Runs a PHP snippet with plain `php` (no Askr) and returns its output. */
function php(code: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('php', ['-r', code], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`php did not finish within ${String(WAIT_MS)} ms`));
    }, WAIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`php exited with ${String(code)}: ${out}\n${err}`));
    });
  });
}
