// Three `askr serve` sidecars of one app (one of them with two front
// processes), linked as peers through static --peers (each lists all three,
// itself included), driven with the official clients: a trigger in pod 1 reaches
// subscribers on pods 2 and 3 once each; presence is the union of every pod's
// members, with joins and leaves everywhere; the HTTP API answers for the
// whole app; a SIGKILLed pod's members leave everywhere with one
// member_removed each.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asPresence, connect, disconnectAll, serverSdk, subscribed, until, type PusherClient } from './pusher-harness.js';
import { eventually, freePort, startPod, writeApp, type Pod } from './many-pods-harness.js';

describe('many pods: broadcasts and presence across three sidecars', () => {
  const dir = mkdtempSync(join(tmpdir(), 'askr-many-pods-'));
  const pods: Pod[] = [];
  const clients: PusherClient[] = [];

  before(async () => {
    const root = writeApp(dir);
    const ports = [await freePort(), await freePort(), await freePort()];
    // One at a time: three PHP templates booting at once is slow on a loaded machine.
    for (let i = 0; i < 3; i++) {
      pods.push(await startPod({
        name: `pod${i + 1}`, root, runDir: join(dir, `run${i + 1}`), adminPort: ports[i] ?? 0,
        peers: ports.map((p) => `127.0.0.1:${p}`),
        // Pod 2 runs two front processes: its supervisor reaches the ring over the cluster channel.
        extra: ['--peer-timeout', '3', ...(i === 1 ? ['--http-procs', '2', '--workers', '2'] : [])],
      }));
    }
    for (const p of pods) await eventually(async () => (await p.metric('askr_peers_connected')) === 2, `${p.name} linked to both peers`);
  });
  after(async () => {
    disconnectAll(clients);
    for (const p of pods) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = async (pod: Pod, user?: string): Promise<PusherClient> => {
    const c = await connect(pod.port, user === undefined ? {} : { user });
    clients.push(c);
    return c;
  };

  test('a trigger in pod 1 reaches the subscribers on pods 2 and 3 once each', async () => {
    const [p1, p2, p3] = pods as [Pod, Pod, Pod];
    const got = new Map<string, unknown[]>();
    for (const pod of [p1, p2, p3]) {
      const c = await client(pod);
      const ch = await subscribed(c, 'orders');
      const list: unknown[] = [];
      got.set(pod.name, list);
      ch.bind('shipped', (d: unknown) => list.push(d));
      ch.bind('fence', () => list.push('fence'));
    }
    // Every pod must know every subscriber before the trigger: the HTTP API of pod 1 answers for the app.
    const sdk = serverSdk(p1.port);
    await eventually(async () => {
      const r = await sdk.get({ path: '/channels/orders', params: { info: 'subscription_count' } });
      return ((await r.json()) as { subscription_count?: number }).subscription_count === 3;
    }, 'pod 1 counts the subscribers of all three pods');
    await sdk.trigger('orders', 'shipped', { id: 42 });
    // The fence arrives after the event on every pod: by then a duplicate would have arrived too.
    await sdk.trigger('orders', 'fence', {});
    for (const pod of [p1, p2, p3]) await until(() => got.get(pod.name)?.includes('fence') ?? false, `${pod.name} received the events`, 10_000);
    for (const pod of [p1, p2, p3]) assert.deepEqual(got.get(pod.name), [{ id: 42 }, 'fence'], pod.name);
    assert.ok((await p1.metric('askr_peer_messages_forwarded_total')) >= 4);
    assert.ok((await p2.metric('askr_peer_messages_received_total')) >= 2);
  });

  test('presence is the union of every pod; joins and leaves reach everyone; a killed pod leaves once', async () => {
    const [p1, p2, p3] = pods as [Pod, Pod, Pod];
    // Membership crosses pods over the peer mesh, so another pod's view converges shortly after a join:
    // a subscriber's member list, and any pod's HTTP API, show a remote member only once it has arrived.
    const userIds = async (p: Pod): Promise<string> =>
      ((await (await serverSdk(p.port).get({ path: '/channels/presence-room/users' })).json()) as { users: { id: string }[] }).users.map((u) => u.id).sort().join();
    const everyPodLists = async (members: string): Promise<void> => {
      for (const p of [p1, p2, p3]) await eventually(async () => (await userIds(p)) === members, `${p.name} to list ${members}`, 10_000);
    };
    const ann = await client(p1, 'ann');
    const annRoom = asPresence(await subscribed(ann, 'presence-room'));
    const added: string[] = [];
    const removed: string[] = [];
    annRoom.bind('pusher:member_added', (m: { id: string }) => added.push(m.id));
    annRoom.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));

    await everyPodLists('ann');
    const bob = await client(p2, 'bob');
    let bobRoom = asPresence(await subscribed(bob, 'presence-room'));
    await until(() => added.includes('bob'), 'ann sees bob join', 10_000);
    assert.equal(bobRoom.members.count, 2, "bob's member list includes ann, connected to another pod");

    await everyPodLists('ann,bob');
    const cid = await client(p3, 'cid');
    const cidRoom = asPresence(await subscribed(cid, 'presence-room'));
    assert.equal(cidRoom.members.count, 3);
    await until(() => added.includes('cid'), 'ann sees cid join', 10_000);

    // Every pod's HTTP API (pod 2's included) lists the members connected to every pod.
    await everyPodLists('ann,bob,cid');

    // A leave on pod 2 reaches pods 1 and 3.
    bob.unsubscribe('presence-room');
    await until(() => removed.includes('bob'), 'ann sees bob leave', 10_000);
    await until(() => cidRoom.members.count === 2, 'cid sees bob leave', 10_000);
    await everyPodLists('ann,cid');
    // pusher-js makes a new channel object for a new subscription.
    bobRoom = asPresence(await subscribed(bob, 'presence-room'));
    assert.equal(bobRoom.members.count, 3);
    const bobRemoved: string[] = [];
    bobRoom.bind('pusher:member_removed', (m: { id: string }) => bobRemoved.push(m.id));
    await until(() => added.filter((id) => id === 'bob').length === 2, 'bob is back', 10_000);

    // Pod 3 vanishes: no goodbye, only the silence of its links and --peer-timeout (3 s).
    await p3.kill();
    await until(() => removed.includes('cid'), "cid's member_removed on pod 1", 20_000);
    await until(() => bobRemoved.includes('cid'), "cid's member_removed on pod 2", 20_000);
    // A fence through the channel: any duplicate member_removed would have arrived before it.
    const fenced: string[] = [];
    annRoom.bind('fence', () => fenced.push('ann'));
    bobRoom.bind('fence', () => fenced.push('bob'));
    await serverSdk(p1.port).trigger('presence-room', 'fence', {});
    await until(() => fenced.length === 2, 'the fence on both pods', 10_000);
    assert.deepEqual(removed, ['bob', 'cid'], 'each leave once on pod 1');
    assert.deepEqual(bobRemoved, ['cid'], 'once on pod 2');
    assert.deepEqual(Object.keys((annRoom.members as unknown as { members: Record<string, unknown> }).members).sort(), ['ann', 'bob']);
    assert.equal(await p1.metric('askr_peers_lost_total'), 1);
  });
});
