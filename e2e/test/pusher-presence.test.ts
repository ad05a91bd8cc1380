// Presence conformance (checklist §1.7): real member lists, one member per user however many
// sockets, member events to the others only, the member limit — across two front processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Members } from 'pusher-js';
import { APP, asPresence, connect, dataOf, nextEvent, rawSocket, serverSdk, startStack, subscribed, until, type PresenceView, type PusherClient, type Stack } from './pusher-harness.js';
import { channelAuthString, signAuth } from '../../sidecar/src/pusher/pusher-auth.js';

const ids = (members: Members): string[] => {
  const out: string[] = [];
  members.each((m: { id: string }) => out.push(m.id));
  return out.sort();
};

describe('pusher presence', () => {
  let stack: Stack;
  const clients: PusherClient[] = [];
  before(async () => {
    stack = await startStack({ procs: 2, argv: ['--pusher-max-presence-members', '3', '--pusher-max-user-info', '64'] });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stack.close();
  });
  const port = (i: number): number => stack.fronts[i]!.port;
  const join = async (i: number, user: string, channel: string): Promise<[PusherClient, PresenceView]> => {
    const c = await connect(port(i), { user });
    clients.push(c);
    return [c, asPresence(await subscribed(c, channel))];
  };

  test('PR-02 subscription_succeeded carries the real member list, including the joiner, across processes', async () => {
    const [, alice] = await join(0, 'alice', 'presence-room');
    assert.deepEqual(ids(alice.members), ['alice']);
    assert.deepEqual(alice.members.me, { id: 'alice', info: { name: 'user alice' } });
    const added = nextEvent<{ id: string; info: unknown }>(alice, 'pusher:member_added');
    const [, bob] = await join(1, 'bob', 'presence-room');
    assert.deepEqual(ids(bob.members), ['alice', 'bob']);
    assert.equal(bob.members.count, 2);
    assert.deepEqual(bob.members.get('alice'), { id: 'alice', info: { name: 'user alice' } });
    assert.deepEqual(await added, { id: 'bob', info: { name: 'user bob' } });
    assert.deepEqual(ids(alice.members), ['alice', 'bob']);
  });

  test('PR-03/PR-04 two sockets of one user: one member, member_added once, member_removed only when the last leaves', async () => {
    const [, watcher] = await join(0, 'watcher', 'presence-tabs');
    const events: string[] = [];
    watcher.bind('pusher:member_added', (m: { id: string }) => events.push(`+${m.id}`));
    watcher.bind('pusher:member_removed', (m: { id: string }) => events.push(`-${m.id}`));
    const [tab1, ch1] = await join(0, 'carol', 'presence-tabs');
    const [tab2, ch2] = await join(1, 'carol', 'presence-tabs');
    assert.deepEqual(ids(ch1.members), ['carol', 'watcher']);
    assert.deepEqual(ids(ch2.members), ['carol', 'watcher']);
    await until(() => events.length >= 1, 'member_added');
    const users = async (): Promise<unknown> => (await (await serverSdk(port(1)).get({ path: '/channels/presence-tabs/users' })).json());
    assert.deepEqual(await users(), { users: [{ id: 'watcher' }, { id: 'carol' }] }, 'PR-06: each user once');
    const info = await (await serverSdk(port(0)).get({ path: '/channels/presence-tabs', params: { info: 'user_count,subscription_count' } })).json() as unknown;
    assert.deepEqual(info, { occupied: true, user_count: 2, subscription_count: 3 });
    tab1.disconnect();
    await until(() => stack.fronts[0]!.pusher.core.replica.channel(APP.id, 'presence-tabs')?.subscriptionCount === 2, 'first tab gone');
    assert.deepEqual(await users(), { users: [{ id: 'watcher' }, { id: 'carol' }] }, 'carol is still a member');
    const removed = nextEvent<{ id: string }>(watcher, 'pusher:member_removed');
    // The first tab left: carol is still present through the second one.
    const barrier = nextEvent(watcher, 'barrier');
    await serverSdk(port(0)).trigger('presence-tabs', 'barrier', '{}');
    await barrier;
    assert.deepEqual(events, ['+carol']);
    tab2.disconnect();
    assert.deepEqual(await removed, { id: 'carol', info: { name: 'user carol' } });
    assert.deepEqual(events, ['+carol', '-carol']);
  });

  test('PR-01 numeric user ids (Laravel) are the same member as their string form', async () => {
    const raw1 = await rawSocket(port(0));
    const raw2 = await rawSocket(port(1));
    const sub = async (raw: Awaited<ReturnType<typeof rawSocket>>, data: string): Promise<void> => {
      const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
      raw.send({ event: 'pusher:subscribe', data: { channel: 'presence-num', channel_data: data, auth: signAuth(APP.key, APP.secret, channelAuthString(socketId, 'presence-num', data)) } });
    };
    await sub(raw1, '{"user_id":42,"user_info":{"n":1}}');
    await raw1.next('pusher_internal:subscription_succeeded');
    await sub(raw2, '{"user_id":"42"}');
    const ok = await raw2.next('pusher_internal:subscription_succeeded');
    assert.deepEqual(dataOf(ok), { presence: { ids: ['42'], hash: { 42: { n: 1 } }, count: 1 } });
    raw1.ws.close();
    raw2.ws.close();
  });

  test('PR-05 the member limit refuses a new user (LimitReached) but admits another socket of a present user', async () => {
    await join(0, 'u1', 'presence-full');
    await join(1, 'u2', 'presence-full');
    await join(0, 'u3', 'presence-full');
    const extra = await connect(port(1), { user: 'u4' });
    clients.push(extra);
    await assert.rejects(subscribed(extra, 'presence-full'), /LimitReached/);
    await join(1, 'u2', 'presence-full');
  });

  test('PR-05 user_info over the limit and missing user_id are refused', async () => {
    const raw = await rawSocket(port(0));
    const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
    for (const [data, type] of [[JSON.stringify({ user_id: 'x', user_info: { bio: 'y'.repeat(100) } }), 'LimitReached'], ['{"user_info":{}}', 'InvalidData'], [JSON.stringify({ user_id: 'z'.repeat(129) }), 'LimitReached']] as const) {
      const from = raw.frames.length;
      raw.send({ event: 'pusher:subscribe', data: { channel: 'presence-big', channel_data: data, auth: signAuth(APP.key, APP.secret, channelAuthString(socketId, 'presence-big', data)) } });
      assert.equal((dataOf(await raw.next('pusher:subscription_error', from)) as { type: string }).type, type);
    }
    raw.ws.close();
  });

  test('AU-02 presence auth signs the exact channel_data string', async () => {
    const raw = await rawSocket(port(0));
    const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
    const signed = '{"user_id":"m"}';
    raw.send({ event: 'pusher:subscribe', data: { channel: 'presence-sig', channel_data: '{"user_id": "m"}', auth: signAuth(APP.key, APP.secret, channelAuthString(socketId, 'presence-sig', signed)) } });
    assert.equal((dataOf(await raw.next('pusher:subscription_error')) as { status: number }).status, 401);
    raw.ws.close();
  });
});
