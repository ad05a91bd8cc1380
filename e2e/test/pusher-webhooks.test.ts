// Webhooks (checklist §3): occupied/vacated, member added/removed, client_event, cache_miss —
// batched, signed (verified with the official SDK's webhook helper), retried after a failure,
// and sent once per pod even with two front processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP, connect, serverSdk, startStack, subscribed, until, type PusherClient, type Stack } from './pusher-harness.js';

interface Received { headers: IncomingHttpHeaders; body: string }

describe('pusher webhooks', () => {
  let sink: Server;
  let stack: Stack;
  const received: Received[] = [];
  let failNext = 1;
  const clients: PusherClient[] = [];
  before(async () => {
    sink = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
    stack = await startStack({ procs: 2, argv: ['--pusher-client-events'], apps: [{ webhooks: [{ url, eventTypes: [] }] }] });
    for (const f of stack.fronts) (f.pusher.webhooks as unknown as { opts: { firstDelayMs: number } }).opts.firstDelayMs = 50;
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stack.close();
    await new Promise((r) => sink.close(r));
  });

  const events = (): { name: string; channel: string; user_id?: string; event?: string; data?: string; socket_id?: string }[] =>
    received.flatMap((r) => (JSON.parse(r.body) as { events: [] }).events);

  test('WH-01..04 every event kind arrives once, signed, after a failed first attempt was retried', async () => {
    const a = await connect(stack.fronts[0]!.port, { user: 'wa' });
    const b = await connect(stack.fronts[1]!.port, { user: 'wb' });
    clients.push(a, b);
    const aSocket = a.connection.socket_id;
    const pa = await subscribed(a, 'presence-hook');
    await subscribed(b, 'presence-hook');
    pa.trigger('client-wave', { hi: 1 });
    b.subscribe('cache-hook');
    await until(() => events().some((e) => e.name === 'cache_miss'), 'cache_miss webhook');
    b.disconnect();
    a.disconnect();
    const expected = [
      'cache_miss cache-hook',
      'channel_occupied cache-hook',
      'channel_occupied presence-hook',
      'channel_vacated cache-hook',
      'channel_vacated presence-hook',
      'client_event presence-hook wa',
      'member_added presence-hook wa',
      'member_added presence-hook wb',
      'member_removed presence-hook wa',
      'member_removed presence-hook wb',
    ];
    const got = (): string[] => events().map((e) => `${e.name} ${e.channel}${e.user_id !== undefined ? ` ${e.user_id}` : ''}`).sort();
    const missing = (): string[] => {
      const left = got();
      return expected.filter((x) => {
        const i = left.indexOf(x);
        if (i >= 0) left.splice(i, 1);
        return i < 0;
      });
    };
    // Each front batches on its own timer and the failed first POST is retried later, so the
    // batches arrive in no fixed order: wait for every expected event, then check nothing else came.
    await until(() => missing().length === 0, 'every expected webhook event', 10_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; missing: ${missing().join(', ')}`, { cause: err });
    });
    assert.deepEqual(got(), expected);
    const ce = events().find((e) => e.name === 'client_event');
    assert.deepEqual({ event: ce?.event, data: ce?.data, socket_id: ce?.socket_id }, { event: 'client-wave', data: '{"hi":1}', socket_id: aSocket });
    assert.equal(failNext, 0, 'the first POST failed and was retried');
    const sdk = serverSdk(stack.fronts[0]!.port);
    for (const r of received) {
      assert.equal(r.headers['x-pusher-key'], APP.key);
      const hook = sdk.webhook({ headers: r.headers, rawBody: r.body });
      assert.equal(hook.isValid(), true, 'signature verified by the pusher SDK');
      assert.equal(typeof hook.getTime().getTime(), 'number');
    }
    assert.ok(received.length < events().length, `batched: ${events().length} events in ${received.length} POSTs`);
  });
});
