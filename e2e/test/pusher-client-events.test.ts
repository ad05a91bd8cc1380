// Client events (checklist §1.9): private/presence only, app switch, never echoed, user_id on
// presence, rate limit and size limit as 4301 errors without a close — across front processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel } from 'pusher-js';
import { connect, dataOf, nextEvent, rawSocket, startStack, subscribed, until, type PusherClient, type Stack } from './pusher-harness.js';

describe('pusher client events', () => {
  let on: Stack;
  let off: Stack;
  const clients: PusherClient[] = [];
  before(async () => {
    on = await startStack({ procs: 2, argv: ['--pusher-client-events', '--pusher-client-event-rate', '5', '--pusher-max-payload', '1K'] });
    off = await startStack();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await on.close();
    await off.close();
  });
  const pair = async (channel: string): Promise<[Channel, Channel, PusherClient]> => {
    const a = await connect(on.fronts[0]!.port, { user: 'ann' });
    const b = await connect(on.fronts[1]!.port, { user: 'ben' });
    clients.push(a, b);
    return [await subscribed(a, channel), await subscribed(b, channel), a];
  };

  test('CE-04/CE-05 a whisper reaches the others (on another process), never the sender; presence adds user_id', async () => {
    const [a, b] = await pair('presence-chat');
    const echoed: unknown[] = [];
    a.bind('client-typing', (d: unknown) => echoed.push(d));
    const got = new Promise<[unknown, unknown]>((resolve) => {
      b.bind('client-typing', (d: unknown, meta: unknown) => { resolve([d, meta]); });
    });
    assert.equal(a.trigger('client-typing', { typing: true }), true);
    const [data, meta] = await got;
    assert.deepEqual(data, { typing: true });
    assert.deepEqual(meta, { user_id: 'ann' });
    // A later whisper has reached b through the same ring: an echo to a would have been sent before it.
    const barrier = nextEvent(b, 'client-barrier');
    a.trigger('client-barrier', {});
    await barrier;
    assert.deepEqual(echoed, []);
  });

  test('CE-01 whispers on public channels are refused with 4301, and the socket stays open', async () => {
    const raw = await rawSocket(on.fronts[0]!.port);
    await raw.next('pusher:connection_established');
    raw.send({ event: 'pusher:subscribe', data: { channel: 'lobby' } });
    await raw.next('pusher_internal:subscription_succeeded');
    raw.send({ event: 'client-hi', channel: 'lobby', data: {} });
    const err = await raw.next('pusher:error');
    assert.equal((dataOf(err) as { code: number }).code, 4301);
    raw.send({ event: 'client-hi', channel: 'private-not-subscribed', data: {} });
    await until(() => raw.frames.filter((f) => f.event === 'pusher:error').length === 2, 'second error');
    assert.equal((dataOf(raw.frames.filter((f) => f.event === 'pusher:error')[1]!) as { code: number }).code, 4009, 'CE-02: not subscribed');
    assert.equal(raw.ws.readyState, raw.ws.OPEN);
    raw.ws.close();
  });

  test('CE-03 with client events disabled for the app: 4301', async () => {
    const c = await connect(off.fronts[0]!.port);
    clients.push(c);
    const ch = await subscribed(c, 'private-x');
    const err = nextEvent<{ data: { code: number } }>(c.connection, 'error');
    ch.trigger('client-x', {});
    assert.equal((await err).data.code, 4301);
    assert.equal(c.connection.state, 'connected');
  });

  test('CE-06 rate limit: past 5 per second, 4301 errors and dropped events, no close', async () => {
    const [a, b, client] = await pair('private-fast');
    const received: number[] = [];
    b.bind('client-n', (d: { i: number }) => received.push(d.i));
    const errors: number[] = [];
    client.connection.bind('error', (e: { data?: { code?: number } }) => { if (e.data?.code === 4301) errors.push(e.data.code); });
    for (let i = 0; i < 20; i++) a.trigger('client-n', { i });
    await until(() => errors.length + received.length === 20, 'all 20 answered or delivered');
    assert.ok(received.length >= 5 && received.length < 20, `delivered ${received.length}`);
    assert.deepEqual(received, [...received].sort((x, y) => x - y), 'in order');
    assert.equal(client.connection.state, 'connected');
  });

  test('CE-07 oversize client event data: 4301, not forwarded', async () => {
    const [a, b, client] = await pair('private-big');
    const received: unknown[] = [];
    b.bind('client-big', (d: unknown) => received.push(d));
    const err = nextEvent<{ data: { code: number; message: string } }>(client.connection, 'error');
    a.trigger('client-big', { blob: 'x'.repeat(2000) });
    const e = await err;
    assert.equal(e.data.code, 4301);
    assert.match(e.data.message, /larger than 1024 bytes/);
    a.trigger('client-small', {});
    await nextEvent(b, 'client-small');
    assert.deepEqual(received, []);
  });
});
