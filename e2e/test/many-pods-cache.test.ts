// Tag invalidation across three `askr serve` sidecars of one app, with real
// PHP: askr_cache_forget_tag() in pod 3 makes pods 1 and 2 miss; a pod cut
// off from its peers catches up on what it missed when the link returns (and
// keeps the rest of its cache); a pod stopped and restarted with its shared
// memory kept never serves a tag forgotten while it was away. Every peer link
// goes through a TCP gate the test can cut.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '../src/http-client.js';
import { TcpGate } from '../../sidecar/test/peers-tcp-gate.js';
import { eventually, freePort, page, startPod, writeApp, type Pod, type PodOptions } from './many-pods-harness.js';

describe('many pods: tag invalidation across three sidecars', () => {
  const dir = mkdtempSync(join(tmpdir(), 'askr-many-pods-cache-'));
  const pods: Pod[] = [];
  const gates = new Map<string, TcpGate>();
  const options: PodOptions[] = [];
  let ports: number[] = [];

  /** gate(i, j) carries pod i's stream to pod j. */
  const gate = (i: number, j: number): TcpGate => {
    const g = gates.get(`${i}>${j}`);
    if (!g) throw new Error(`no gate ${i}>${j}`);
    return g;
  };
  const isolate = (i: number, cut: boolean): void => {
    for (let j = 0; j < 3; j++) {
      if (j === i) continue;
      for (const g of [gate(i, j), gate(j, i)]) {
        if (cut) g.cut();
        else g.heal();
      }
    }
  };
  const forget = async (pod: Pod, tag: string): Promise<void> => {
    const r = await http(`${pod.url}/forget/${tag}`, { method: 'POST', timeoutMs: 20_000 });
    assert.equal(r.status, 200, r.text);
  };
  /** Requests a page until it is a HIT (the first is a MISS that stores it). */
  const cached = async (pod: Pod, path: string): Promise<string> => {
    const first = await page(pod, path);
    const again = await page(pod, path);
    assert.equal(again.cache, 'HIT', `${pod.name} ${path} after ${first.cache}`);
    return again.body;
  };

  before(async () => {
    const root = writeApp(dir);
    ports = [await freePort(), await freePort(), await freePort()];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (i !== j) gates.set(`${i}>${j}`, await TcpGate.to(() => ports[j] ?? 1));
      }
    }
    for (let i = 0; i < 3; i++) {
      options.push({
        name: `pod${i + 1}`, root, runDir: join(dir, `run${i + 1}`), adminPort: ports[i] ?? 0,
        peers: [0, 1, 2].filter((j) => j !== i).map((j) => gate(i, j).address),
        // Pod 3 runs two front processes: PHP's forgets reach its supervisor through the forget log.
        extra: ['--peer-timeout', '5', ...(i === 2 ? ['--http-procs', '2', '--workers', '2'] : [])],
      });
      pods.push(await startPod(options[i] as PodOptions));
    }
    for (const p of pods) await eventually(async () => (await p.metric('askr_peers_connected')) === 2, `${p.name} linked to both peers`);
  });
  after(async () => {
    for (const p of pods) await p.stop();
    for (const g of gates.values()) await g.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('askr_cache_forget_tag() in pod 3 makes pods 1 and 2 miss', async () => {
    const [p1, p2, p3] = pods as [Pod, Pod, Pod];
    const before1 = await cached(p1, '/page/posts');
    const before2 = await cached(p2, '/page/posts');
    await forget(p3, 'posts');
    await eventually(async () => (await page(p1, '/page/posts')).cache !== 'HIT', 'pod 1 misses');
    await eventually(async () => (await page(p2, '/page/posts')).cache !== 'HIT', 'pod 2 misses');
    assert.notEqual((await page(p1, '/page/posts')).body, before1);
    assert.notEqual((await page(p2, '/page/posts')).body, before2);
    assert.ok((await p3.metric('askr_peer_messages_forwarded_total')) >= 2);
  });

  test('a pod cut off from its peers catches up on what it missed, and keeps the rest of its cache', async () => {
    const [p1, , p3] = pods as [Pod, Pod, Pod];
    const news = await cached(p3, '/page/news');
    const other = await cached(p3, '/page/other');
    const replays = await p3.metric('askr_peer_resyncs_total', 'kind="replay"');
    isolate(2, true);
    await eventually(async () => (await p3.metric('askr_peers_inbound')) === 0, 'pod 3 cut off');
    await forget(p1, 'news');
    // Across a partition pod 3 cannot know: it still serves what it has.
    assert.equal((await page(p3, '/page/news')).body, news);
    isolate(2, false);
    await eventually(async () => (await page(p3, '/page/news')).cache !== 'HIT', 'the missed forget replayed');
    const kept = await page(p3, '/page/other');
    assert.deepEqual(kept, { cache: 'HIT', body: other }, 'an exact catch-up, not a dropped cache');
    await eventually(async () => (await p3.metric('askr_peer_resyncs_total', 'kind="replay"')) > replays, 'replays counted');
    assert.equal(await p3.metric('askr_peer_resyncs_total', 'kind="forget_all"'), 0);
  });

  test('a pod stopped, then restarted with its shared memory kept, never serves a tag forgotten while it was away', async () => {
    const [p1] = pods as [Pod, Pod, Pod];
    const p3 = pods[2] as Pod;
    const gone = await cached(p3, '/page/gone');
    const kept = await cached(p3, '/page/kept');
    await p3.stop();
    await forget(p1, 'gone');
    const restarted = await startPod(options[2] as PodOptions);
    pods[2] = restarted;
    assert.match(restarted.lines.join('\n'), /shared memory reused/);
    // From the first request on: never the page cached before the forget.
    const first = await page(restarted, '/page/gone');
    assert.notEqual(first.body, gone);
    assert.notEqual(first.cache, 'HIT');
    await eventually(async () => !(await restarted.status()).peers.holdingKeptCache, 'the peers caught pod 3 up');
    const after = await page(restarted, '/page/gone');
    assert.notEqual(after.body, gone);
    assert.deepEqual(await page(restarted, '/page/kept'), { cache: 'HIT', body: kept }, 'the rest of the kept cache is served again');
    for (const p of pods) await eventually(async () => (await p.metric('askr_peers_connected')) === 2, `${p.name} linked again`);
  });
});
