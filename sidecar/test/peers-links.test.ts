// Peer links between in-process pods over real WebSockets on loopback:
// records and invalidations forwarded once, exact catch-up after a cut link,
// forget-all when the log no longer reaches back, a lost peer's members
// removed and restored, the hold of a kept cache after a restart, and a
// wrong secret refused.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entry, metric, startPod, TcpGate, until, type PodOptions, type TestPod } from './peers-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-peer-links-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** A full mesh of pods; gate(i, j) carries pod i's stream to pod j and can be cut. */
interface Mesh {
  pods: TestPod[];
  gate(i: number, j: number): TcpGate;
  /** Cuts (or heals) every link to and from pod i. */
  isolate(i: number, cut: boolean): void;
  restart(i: number, extra: Partial<PodOptions>): Promise<TestPod>;
}

async function mesh(names: string[], extra: Partial<PodOptions> = {}): Promise<Mesh> {
  const pods: TestPod[] = [];
  const gates = new Map<string, TcpGate>();
  for (let i = 0; i < names.length; i++) {
    for (let j = 0; j < names.length; j++) {
      if (i === j) continue;
      const g = await TcpGate.to(() => pods[j]?.port ?? 1);
      gates.set(`${i}>${j}`, g);
      cleanups.push(() => g.close());
    }
  }
  const peersOf = (i: number): string[] => names.flatMap((_, j) => (j === i ? [] : [gates.get(`${i}>${j}`)?.address ?? '']));
  for (let i = 0; i < names.length; i++) {
    const pod = await startPod({ dir, name: names[i] ?? '', peers: peersOf(i), ...extra });
    pods.push(pod);
    cleanups.push(() => pod.stop());
  }
  const gate = (i: number, j: number): TcpGate => {
    const g = gates.get(`${i}>${j}`);
    if (!g) throw new Error(`no gate ${i}>${j}`);
    return g;
  };
  return {
    pods,
    gate,
    isolate(i, cut) {
      for (let j = 0; j < names.length; j++) {
        if (j === i) continue;
        for (const g of [gate(i, j), gate(j, i)]) {
          if (cut) g.cut();
          else g.heal();
        }
      }
    },
    async restart(i, more) {
      await pods[i]?.stop();
      const pod = await startPod({ dir, name: names[i] ?? '', peers: peersOf(i), ...extra, ...more });
      pods[i] = pod;
      cleanups.push(() => pod.stop());
      return pod;
    },
  };
}

const connected = async (pods: TestPod[]): Promise<void> => {
  for (const p of pods) {
    let n = 0;
    await until(() => { void metric(p, 'askr_peers_connected').then((v) => { n = v; }); return n === pods.length - 1; }, `${p.name} linked to every peer`);
  }
};

const events = (pod: TestPod, name: string): number => pod.records.filter((r) => r.t === 'event' && r.event === name).length;
const members = (pod: TestPod, channel: string): string[] => pod.replica.members('app', channel).map((m) => m.id).sort();

describe('peer links', () => {
  test('subscriptions, presence and events of one pod reach every other pod, each event once', async () => {
    const { pods } = await mesh(['a1', 'a2', 'a3']);
    const [a1, a2, a3] = pods as [TestPod, TestPod, TestPod];
    await connected(pods);
    a1.hub.publish({ t: 'sub', app: 'app', channel: 'presence-room', socket: '1.1', user: 'ann', info: { name: 'Ann' } });
    a2.hub.publish({ t: 'sub', app: 'app', channel: 'presence-room', socket: '2.1', user: 'bob', info: { name: 'Bob' } });
    for (const p of pods) await until(() => members(p, 'presence-room').length === 2, `${p.name} sees both members`);
    assert.deepEqual(members(a3, 'presence-room'), ['ann', 'bob']);
    assert.equal(a3.replica.channel('app', 'presence-room')?.subscriptionCount, 2);

    a1.hub.publish({ t: 'event', app: 'app', channels: ['room'], event: 'hello', data: '{"n":1}' });
    // A second event as a fence: the stream is ordered, so once it arrived a duplicate of the first would have too.
    a1.hub.publish({ t: 'event', app: 'app', channels: ['room'], event: 'fence', data: '{}' });
    for (const p of [a2, a3]) await until(() => events(p, 'fence') === 1, `${p.name} got the events`);
    for (const p of pods) assert.equal(events(p, 'hello'), 1, p.name);
    assert.ok(await metric(a1, 'askr_peer_messages_forwarded_total') >= 6);
    assert.ok(await metric(a2, 'askr_peer_messages_received_total') >= 3);

    a2.hub.publish({ t: 'unsub', app: 'app', socket: '2.1', channels: ['presence-room'] });
    for (const p of pods) await until(() => members(p, 'presence-room').join() === 'ann', `${p.name} saw bob leave`);
  });

  test('a cut link catches up exactly; a log that no longer reaches back makes the peer forget everything', async () => {
    const m = await mesh(['b1', 'b2']);
    const [b1, b2] = m.pods as [TestPod, TestPod];
    await connected(m.pods);
    const forget = (tags: string[]): void => {
      // What a front process does for askr_cache_forget_tag(): forget here, log for the peers.
      b1.cache.store.forgetTags(tags);
      b1.forgetLog.append(tags);
    };
    for (const [key, tags] of [['posts', ['posts']], ['news', ['news']], ['other', ['other']]] as const) b2.cache.store.put(entry(b2, key, [...tags]), Date.now());
    forget(['posts']);
    await until(() => b2.cache.store.get('posts', Date.now()) === undefined, 'the live forget');

    m.isolate(0, true);
    await until(() => b2.service.status().inbound instanceof Array && (b2.service.status().inbound as unknown[]).length === 0, 'b2 cut off');
    forget(['news']);
    assert.ok(b2.cache.store.get('news', Date.now()), 'during the partition b2 cannot know');
    const replaysBefore = await metric(b2, 'askr_peer_resyncs_total', 'kind="replay"');
    m.isolate(0, false);
    await until(() => b2.cache.store.get('news', Date.now()) === undefined, 'the missed forget replayed');
    assert.ok(b2.cache.store.get('other', Date.now()), 'an exact catch-up keeps the rest of the cache');
    let replays = 0;
    await until(() => { void metric(b2, 'askr_peer_resyncs_total', 'kind="replay"').then((v) => { replays = v; }); return replays > replaysBefore; }, 'replay counted');
    assert.equal(await metric(b2, 'askr_peer_resyncs_total', 'kind="forget_all"'), 0);

    m.isolate(0, true);
    await until(() => (b2.service.status().inbound as unknown[]).length === 0, 'b2 cut off again');
    // Far more invalidations than the 64 KiB log holds: b2's cursor is overwritten.
    for (let i = 0; i < 200; i++) forget([`bulk-${i}-${'x'.repeat(1000)}`]);
    assert.ok(b1.forgetLog.oldest() > 2);
    assert.ok(b2.cache.store.get('other', Date.now()));
    m.isolate(0, false);
    await until(() => b2.cache.store.get('other', Date.now()) === undefined, 'forget all');
    assert.equal(await metric(b2, 'askr_peer_resyncs_total', 'kind="forget_all"'), 1);
  });

  test('a peer lost past the timeout has its members removed once; when it comes back its state returns', async () => {
    const m = await mesh(['c1', 'c2'], { timeoutMs: 400 });
    const [c1, c2] = m.pods as [TestPod, TestPod];
    await connected(m.pods);
    c1.hub.publish({ t: 'sub', app: 'app', channel: 'presence-lobby', socket: '9.1', user: 'ann', info: {} });
    await until(() => members(c2, 'presence-lobby').join() === 'ann', 'c2 sees ann');
    const seen = c2.records.length;
    m.isolate(0, true);
    await until(() => members(c2, 'presence-lobby').length === 0, 'ann removed after the timeout');
    const gone = c2.records.slice(seen).filter((r) => r.t === 'gone');
    assert.equal(gone.length, 1, 'one gone record for the lost origin');
    assert.equal(await metric(c2, 'askr_peers_lost_total'), 1);
    assert.deepEqual(members(c1, 'presence-lobby'), ['ann'], 'the lost pod keeps its own members');
    m.isolate(0, false);
    await until(() => members(c2, 'presence-lobby').join() === 'ann', 'ann back after the state resync');
    assert.ok(await metric(c2, 'askr_peer_resyncs_total', 'kind="snapshot"') >= 1);
  });

  test('a restart that kept the cache withholds it until the peers caught it up, then serves what is still valid', async () => {
    const m = await mesh(['d1', 'd2']);
    const [d1] = m.pods as [TestPod, TestPod];
    await connected(m.pods);
    const d2 = m.pods[1] as TestPod;
    d2.cache.store.put(entry(d2, 'x', ['x']), Date.now());
    d2.cache.store.put(entry(d2, 'y', ['y']), Date.now());
    await m.pods[1]?.stop();
    d1.cache.store.forgetTags(['x']);
    d1.forgetLog.append(['x']);
    m.gate(0, 1).cut();
    const again = await m.restart(1, { holdKeptCache: true });
    assert.equal(again.service.holding, true);
    assert.equal(again.cache.store.get('y', Date.now()), undefined, 'withheld while d1 has not caught it up');
    m.gate(0, 1).heal();
    await until(() => !again.service.holding, 'the hold lifted');
    assert.ok(again.cache.store.get('y', Date.now()), 'kept and served');
    assert.equal(again.cache.store.get('x', Date.now()), undefined, 'forgotten while d2 was down');
  });

  test('an address that is this sidecar is dropped, and a second address of a peer stands by', async () => {
    const m = await mesh(['f1']);
    const f1 = m.pods[0] as TestPod;
    const alias1 = await TcpGate.to(() => f1.port);
    const alias2 = await TcpGate.to(() => f1.port);
    cleanups.push(() => alias1.close(), () => alias2.close());
    // f2 lists two ways to f1.
    const f2 = await startPod({ dir, name: 'f2', peers: [alias1.address, alias2.address] });
    cleanups.push(() => f2.stop());
    // f3 lists a way to itself (a gate in front of its own listener, so not recognisable by address) and f1.
    let f3port = 1;
    const toSelf = await TcpGate.to(() => f3port);
    cleanups.push(() => toSelf.close());
    const f3 = await startPod({ dir, name: 'f3', peers: [toSelf.address, alias1.address] });
    f3port = f3.port;
    cleanups.push(() => f3.stop());
    type Out = { address: string; state: string }[];
    const states = (p: TestPod): string[] => (p.service.status().outbound as Out).map((o) => o.state).sort();
    await until(() => states(f2).join() === 'standby,streaming', 'one alias streams, the other stands by');
    // Recognised at the upgrade (the listener names its node), the address is dropped from the targets.
    await until(() => (f3.service.status().targets as string[]).join() === alias1.address, 'f3 drops its own address');
    await until(() => states(f3).join() === 'streaming', 'f3 streams to f1');
    // The standby alias never displaces the streaming link: events arrive once, over one inbound link.
    for (let i = 0; i < 20; i++) f2.hub.publish({ t: 'event', app: 'app', channels: ['room'], event: `e${i}`, data: '{}' });
    f2.hub.publish({ t: 'event', app: 'app', channels: ['room'], event: 'fence', data: '{}' });
    await until(() => events(f1, 'fence') === 1, 'f1 got the events');
    for (let i = 0; i < 20; i++) assert.equal(events(f1, `e${i}`), 1);
    assert.equal((f1.service.status().inbound as { node: string }[]).filter((l) => l.node === f2.service.node).length, 1);
    assert.equal(states(f2).join(), 'standby,streaming');
  });

  test('a peer with another secret is refused and streams nothing', async () => {
    const m = await mesh(['e1']);
    const e1 = m.pods[0] as TestPod;
    const gate = await TcpGate.to(() => e1.port);
    cleanups.push(() => gate.close());
    const intruder = await startPod({ dir, name: 'e-intruder', peers: [gate.address], secret: 'not-the-same-peer-secret' });
    cleanups.push(() => intruder.stop());
    let refused = 0;
    await until(() => { void metric(e1, 'askr_peer_refused_total').then((v) => { refused = v; }); return refused >= 1; }, 'refused');
    intruder.hub.publish({ t: 'event', app: 'app', channels: ['room'], event: 'intrusion', data: '{}' });
    const outbound = intruder.service.status().outbound as { state: string; error: string | null }[];
    assert.notEqual(outbound[0]?.state, 'streaming');
    assert.match(outbound[0]?.error ?? '', /401/);
    assert.equal(events(e1, 'intrusion'), 0);
  });
});
