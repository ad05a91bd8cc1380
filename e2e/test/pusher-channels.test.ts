// Channel conformance (checklist §1.5–1.8, 1.11): auth strings, channel types, presence, cache channels.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { channelAuthString, signAuth } from '../../sidecar/src/pusher/pusher-auth.js';
import { APP, asPresence, connect, dataOf, nextEvent, rawSocket, serverSdk, startStack, subscribed, until, type Stack } from './pusher-harness.js';

describe('pusher channels', () => {
  let stack: Stack;
  let port: number;
  before(async () => {
    stack = await startStack({ procs: 2, argv: ['--pusher-max-presence-members', '3', '--pusher-max-channels-per-connection', '5'] });
    port = stack.fronts[0]!.port;
  });
  after(() => stack.close());

  test('CH-01 public channel: subscription_succeeded with "{}" and events from the HTTP API', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    raw.send({ event: 'pusher:subscribe', data: { auth: '', channel: 'news' } });
    const ok = await raw.next('pusher_internal:subscription_succeeded');
    assert.deepEqual(ok, { event: 'pusher_internal:subscription_succeeded', channel: 'news', data: '{}' });
    const n = raw.frames.length;
    await serverSdk(port).trigger('news', 'headline', 'plain string');
    const ev = await raw.next('headline', n);
    assert.deepEqual(ev, { event: 'headline', channel: 'news', data: 'plain string' }, 'H-01: data kept as the given string');
    raw.ws.close();
  });

  test('AU-01 private channel with a valid auth subscribes; a wrong signature, key, socket or channel fails', async () => {
    const good = await connect(port);
    await subscribed(good, 'private-orders');
    good.disconnect();

    const raw = await rawSocket(port);
    const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
    const tries = {
      'wrong secret': signAuth(APP.key, 'not-the-secret', channelAuthString(socketId, 'private-a')),
      'wrong key': signAuth('other-key', APP.secret, channelAuthString(socketId, 'private-a')),
      'other socket': signAuth(APP.key, APP.secret, channelAuthString('1.2', 'private-a')),
      'other channel': signAuth(APP.key, APP.secret, channelAuthString(socketId, 'private-b')),
      missing: undefined,
    };
    for (const [why, auth] of Object.entries(tries)) {
      const from = raw.frames.length;
      raw.send({ event: 'pusher:subscribe', data: { channel: 'private-a', ...(auth !== undefined ? { auth } : {}) } });
      const err = await raw.next('pusher:subscription_error', from);
      assert.equal(err.channel, 'private-a', why);
      assert.deepEqual({ ...(err.data as object), error: '' }, { type: 'AuthError', error: '', status: 401 }, why);
    }
    assert.equal(raw.ws.readyState, raw.ws.OPEN, 'CH-06: the connection stays open');
    raw.ws.close();
  });

  test('CH-06 pusher-js routes a refused subscription to the channel (Echo .error() fires)', async () => {
    const client = await connect(port, { secret: 'wrong' });
    const channel = client.subscribe('private-x');
    const err = await nextEvent<{ type: string; status: number }>(channel, 'pusher:subscription_error');
    assert.equal(err.type, 'AuthError');
    assert.equal(err.status, 401);
    client.disconnect();
  });

  test('CH-02 prefixes are anchored and include the hyphen', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    for (const name of ['privatefoo', 'x-private-y', 'presencefoo', 'cachefoo']) {
      const from = raw.frames.length;
      raw.send({ event: 'pusher:subscribe', data: { channel: name } });
      const ok = await raw.next('pusher_internal:subscription_succeeded', from);
      assert.equal(ok.channel, name, `${name} is public`);
      assert.equal(raw.frames.slice(from).some((f) => f.event === 'pusher:cache_miss'), false, `${name} is not a cache channel`);
    }
    for (const name of ['private-encrypted-x', 'presence-x', 'private-cache-x']) {
      const from = raw.frames.length;
      raw.send({ event: 'pusher:subscribe', data: { channel: name } });
      assert.equal((await raw.next('pusher:subscription_error', from)).channel, name, `${name} needs auth`);
    }
    raw.ws.close();
  });

  test('CH-03 channel names: bad characters and over 164 characters are refused; CH-05 unsubscribe stops delivery', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    for (const name of ['has space', 'x'.repeat(165), '', 'ünï', '#not-server-to-user']) {
      const from = raw.frames.length;
      raw.send({ event: 'pusher:subscribe', data: { channel: name } });
      const err = await raw.next('pusher:subscription_error', from);
      assert.equal((err.data as { type: string }).type, 'InvalidChannel', JSON.stringify(name));
    }
    raw.send({ event: 'pusher:subscribe', data: { channel: 'x'.repeat(164) } });
    await raw.next('pusher_internal:subscription_succeeded');
    raw.send({ event: 'pusher:subscribe', data: { channel: 'feed' } });
    await until(() => raw.frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded').length === 2, 'second subscription');
    raw.send({ event: 'pusher:unsubscribe', data: { channel: 'feed' } });
    raw.send({ event: 'pusher:unsubscribe', data: { channel: 'never-subscribed' } });
    raw.send({ event: 'pusher:ping' });
    await raw.next('pusher:pong');
    const from = raw.frames.length;
    await serverSdk(port).trigger(['feed', 'x'.repeat(164)], 'tick', '1');
    await raw.next('tick', from);
    assert.deepEqual(raw.frames.slice(from).filter((f) => f.event === 'tick').map((f) => f.channel), ['x'.repeat(164)]);
    raw.ws.close();
  });

  test('channels per connection are limited (LimitReached), without closing', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    for (let i = 0; i < 6; i++) raw.send({ event: 'pusher:subscribe', data: { channel: `c${i}` } });
    const err = await raw.next('pusher:subscription_error');
    assert.equal(err.channel, 'c5');
    assert.equal((err.data as { type: string }).type, 'LimitReached');
    raw.ws.close();
  });

  test('CH-04 subscribing twice confirms again and sends no second member_added', async () => {
    const watcher = await connect(port, { user: 'w' });
    const watched = asPresence(await subscribed(watcher, 'presence-twice'));
    const added: unknown[] = [];
    watched.bind('pusher:member_added', (m: unknown) => added.push(m));
    const raw = await rawSocket(stack.fronts[1]!.port);
    const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
    const channelData = JSON.stringify({ user_id: 'dup' });
    const sub = { event: 'pusher:subscribe', data: { channel: 'presence-twice', channel_data: channelData, auth: signAuth(APP.key, APP.secret, channelAuthString(socketId, 'presence-twice', channelData)) } };
    raw.send(sub);
    await raw.next('pusher_internal:subscription_succeeded');
    raw.send(sub);
    await until(() => raw.frames.filter((f) => f.event === 'pusher_internal:subscription_succeeded').length === 2, 'second confirmation');
    await until(() => added.length >= 1, 'member_added');
    raw.send({ event: 'pusher:ping' });
    await raw.next('pusher:pong');
    const barrier = nextEvent(watched, 'barrier');
    await serverSdk(port).trigger('presence-twice', 'barrier', '1');
    await barrier;
    assert.equal(added.length, 1);
    raw.ws.close();
    watcher.disconnect();
  });

  test('EN-01/EN-02 encrypted channels: auth like private, ciphertext forwarded opaque, pusher-js decrypts', async () => {
    const raw = await rawSocket(port);
    const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
    raw.send({ event: 'pusher:subscribe', data: { channel: 'private-encrypted-vault', auth: signAuth(APP.key, APP.secret, channelAuthString(socketId, 'private-encrypted-vault')) } });
    await raw.next('pusher_internal:subscription_succeeded');
    const client = await connect(port, { encrypted: true });
    const channel = await subscribed(client, 'private-encrypted-vault');
    const decrypted = nextEvent(channel, 'secret');
    await serverSdk(port).trigger('private-encrypted-vault', 'secret', { pin: 1234 });
    const wire = dataOf(await raw.next('secret'));
    assert.deepEqual(Object.keys(wire).sort(), ['ciphertext', 'nonce'], 'the server sees only ciphertext');
    assert.deepEqual(await decrypted, { pin: 1234 });
    client.disconnect();
    raw.ws.close();
  });

  test('CA-01 cache channels: cache_miss first, then the last event is replayed to new subscribers; CA-03 over HTTP', async () => {
    const first = await rawSocket(port);
    await first.next('pusher:connection_established');
    first.send({ event: 'pusher:subscribe', data: { channel: 'cache-prices' } });
    await first.next('pusher_internal:subscription_succeeded');
    assert.deepEqual(await first.next('pusher:cache_miss'), { event: 'pusher:cache_miss', channel: 'cache-prices' });
    const sdk = serverSdk(port);
    await sdk.trigger('cache-prices', 'price', '{"v":1}');
    await sdk.trigger('cache-prices', 'price', '{"v":2}');
    // A subscriber on the other front process gets the last one, right after subscription_succeeded.
    const late = await connect(stack.fronts[1]!.port);
    const channel = late.subscribe('cache-prices');
    assert.deepEqual(await nextEvent(channel, 'price'), { v: 2 });
    const res = await sdk.get({ path: '/channels/cache-prices', params: { info: 'cache' } });
    assert.deepEqual(await res.json(), { occupied: true, cache: { event: 'price', data: '{"v":2}' } });
    late.disconnect();
    first.ws.close();
  });
});
