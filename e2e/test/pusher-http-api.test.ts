// HTTP API conformance (checklist §2), driven by the official `pusher` Node SDK, which signs as
// Laravel's broadcaster does; the requests it cannot make (stale, tampered) are signed by hand.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signQuery } from '../../sidecar/src/pusher/api-signature.js';
import { APP, connect, nextEvent, serverSdk, startStack, subscribed, type PusherClient, type Stack } from './pusher-harness.js';

describe('pusher HTTP API', () => {
  let stack: Stack;
  let port: number;
  const clients: PusherClient[] = [];
  before(async () => {
    stack = await startStack({ procs: 2, argv: ['--pusher-max-payload', '2K'] });
    port = stack.fronts[0]!.port;
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stack.close();
  });

  const raw = async (method: string, path: string, body = '', query: Record<string, string> = {}, opts: { secret?: string; at?: number; tamper?: (q: Record<string, string>) => void } = {}): Promise<{ status: number; body: unknown }> => {
    const q = signQuery(method, path, query, { key: APP.key, secret: opts.secret ?? APP.secret }, Buffer.from(body), opts.at ?? Math.floor(Date.now() / 1000));
    opts.tamper?.(q);
    const res = await fetch(`http://127.0.0.1:${port}${path}?${new URLSearchParams(q).toString()}`, { method, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, body: await res.json() };
  };

  test('H-01 trigger to several channels reaches subscribers on both processes; reply is 200 {}', async () => {
    const a = await connect(stack.fronts[0]!.port);
    const b = await connect(stack.fronts[1]!.port);
    clients.push(a, b);
    const ca = await subscribed(a, 'one');
    const cb = await subscribed(b, 'private-two');
    const got = Promise.all([nextEvent(ca, 'multi'), nextEvent(cb, 'multi')]);
    const res = await serverSdk(port).trigger(['one', 'private-two'], 'multi', { n: 1 });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {});
    assert.deepEqual(await got, [{ n: 1 }, { n: 1 }]);
  });

  test('H-01 socket_id excludes the sender (Laravel toOthers()); info returns channel attributes', async () => {
    const me = await connect(stack.fronts[1]!.port);
    const other = await connect(stack.fronts[0]!.port);
    clients.push(me, other);
    const mine = await subscribed(me, 'room');
    const theirs = await subscribed(other, 'room');
    const seen: unknown[] = [];
    mine.bind('said', (d: unknown) => seen.push(d));
    const got = nextEvent(theirs, 'said');
    const res = await serverSdk(port).trigger('room', 'said', 'hi', { socket_id: me.connection.socket_id, info: 'subscription_count' });
    assert.deepEqual(await res.json(), { channels: { room: { subscription_count: 2 } } });
    assert.equal(await got, 'hi');
    const barrier = nextEvent(mine, 'barrier');
    await serverSdk(port).trigger('room', 'barrier', '1');
    await barrier;
    assert.deepEqual(seen, []);
  });

  test('H-02 batch_events delivers each item; more than 10 is 400', async () => {
    const c = await connect(port);
    clients.push(c);
    const ch = await subscribed(c, 'batched');
    const got: unknown[] = [];
    ch.bind('item', (d: unknown) => got.push(d));
    const last = nextEvent(ch, 'last');
    const res = await serverSdk(port).triggerBatch([
      { channel: 'batched', name: 'item', data: { i: 1 } },
      { channel: 'batched', name: 'item', data: { i: 2 } },
      { channel: 'batched', name: 'last', data: {} },
    ]);
    assert.equal(res.status, 200);
    await last;
    assert.deepEqual(got, [{ i: 1 }, { i: 2 }]);
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ channel: 'batched', name: 'x', data: String(i) }));
    await assert.rejects(serverSdk(port).triggerBatch(tooMany), (e: { status: number }) => e.status === 400);
  });

  test('H-03/H-04/H-05 channel queries cover both processes', async () => {
    const a = await connect(stack.fronts[0]!.port, { user: 'q1' });
    const b = await connect(stack.fronts[1]!.port, { user: 'q2' });
    clients.push(a, b);
    await subscribed(a, 'presence-q');
    await subscribed(b, 'presence-q');
    await subscribed(b, 'q-public');
    const sdk = serverSdk(stack.fronts[1]!.port);
    const list = await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-q', info: 'user_count' } })).json() as unknown;
    assert.deepEqual(list, { channels: { 'presence-q': { user_count: 2 } } });
    const all = (await (await sdk.get({ path: '/channels' })).json()) as { channels: Record<string, unknown> };
    assert.deepEqual(all.channels['q-public'], {});
    const empty = await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'nothing-here' } })).json() as unknown;
    assert.deepEqual(empty, { channels: {} }, 'an object even when empty');
    assert.deepEqual(await (await sdk.get({ path: '/channels/q-public', params: { info: 'subscription_count' } })).json(), { occupied: true, subscription_count: 1 });
    assert.deepEqual(await (await sdk.get({ path: '/channels/vacant' })).json(), { occupied: false });
    assert.deepEqual(await (await sdk.get({ path: '/channels/presence-q/users' })).json(), { users: [{ id: 'q1' }, { id: 'q2' }] });
    await assert.rejects(sdk.get({ path: '/channels', params: { info: 'user_count' } }), (e: { status: number }) => e.status === 400);
    await assert.rejects(sdk.get({ path: '/channels/q-public', params: { info: 'user_count' } }), (e: { status: number }) => e.status === 400);
    await assert.rejects(sdk.get({ path: '/channels/q-public/users' }), (e: { status: number }) => e.status === 400);
  });

  test('2.1 a wrong secret, key or body_md5 is 401 with a JSON error', async () => {
    await assert.rejects(serverSdk(port, 'wrong-secret').trigger('x', 'y', 'z'), (e: { status: number; body: string }) => e.status === 401 && /signature/i.test((JSON.parse(e.body) as { error: string }).error));
    const body = JSON.stringify({ name: 'e', channel: 'x', data: '1' });
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body, {}, { tamper: (q) => { q.auth_key = 'other'; } })).status, 401);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body, {}, { tamper: (q) => { q.body_md5 = '0'.repeat(32); } })).status, 401);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body, {}, { tamper: (q) => { q.auth_version = '2.0'; } })).status, 401);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body, {}, { tamper: (q) => { delete q.auth_signature; } })).status, 401);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body)).status, 200, 'the same request signed correctly passes');
  });

  test('2.1 a stale or future auth_timestamp is 401 (600 s window)', async () => {
    const body = JSON.stringify({ name: 'e', channel: 'x', data: '1' });
    const now = Math.floor(Date.now() / 1000);
    const stale = await raw('POST', `/apps/${APP.id}/events`, body, {}, { at: now - 601 });
    assert.equal(stale.status, 401);
    assert.match((stale.body as { error: string }).error, /Timestamp expired/);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body, {}, { at: now + 601 })).status, 401);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, body, {}, { at: now - 590 })).status, 200);
  });

  test('H-08 unknown app 404, bad JSON 400, oversize data 413, bad socket_id 400', async () => {
    assert.equal((await raw('POST', '/apps/nope/events', '{}')).status, 404);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, '{not json')).status, 400);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, JSON.stringify({ name: 'e', channel: 'x', data: 'x'.repeat(3000) }))).status, 413);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, JSON.stringify({ name: 'e', channel: 'x', data: '1', socket_id: 'abc' }))).status, 400);
    assert.equal((await raw('POST', `/apps/${APP.id}/events`, JSON.stringify({ name: 'e', channel: 'bad name', data: '1' }))).status, 400);
    assert.equal((await raw('GET', `/apps/${APP.id}/nothing`)).status, 404);
  });
});
