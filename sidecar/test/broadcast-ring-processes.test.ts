// Real cross-process atomics: two OS processes append to one mmap'd ring at the same time while
// this one reads; every record arrives whole, once, in per-writer order, with gap-free sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROADCAST_REGION, broadcastRegions, ringCapacity } from '../src/broadcast/broadcast-regions.js';
import { BroadcastRing } from '../src/broadcast/broadcast-ring.js';
import { ShmRegion } from '../src/shm/shm-region.js';

test('two writer processes and a reader share the ring', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'askr-ring-'));
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  const ringSize = 4 * 1024 * 1024;
  const config = { pusher: true, pusherRingSize: ringSize };
  const path = join(dir, 'askr.shm');
  const shm = ShmRegion.open({ path, regions: broadcastRegions(config), stamp: 'ring-test', mode: 'create' });
  const ring = new BroadcastRing(shm.region(BROADCAST_REGION), ringCapacity(ringSize));
  const cursor = ring.cursorAtHead();
  const count = 3000;
  const script = new URL('./broadcast-writer-child.ts', import.meta.url).pathname;
  const writers = ['a', 'b'].map((tag) => spawn(process.execPath, ['--import', 'tsx', script, path, tag, String(count), String(ringSize)], { stdio: 'inherit' }));
  t.after(() => { for (const w of writers) w.kill('SIGKILL'); });
  const next = { a: 0, b: 0 };
  let lastSeq = 0;
  const deadline = Date.now() + 60_000;
  while (next.a + next.b < 2 * count) {
    assert.ok(Date.now() < deadline, `timed out with ${JSON.stringify(next)}`);
    for (const e of ring.read(cursor)) {
      assert.equal(e.seq, lastSeq + 1, "gap-free sequence");
      lastSeq = e.seq;
      const [tag, i, pad] = e.payload.toString().split(':') as ['a' | 'b', string, string];
      assert.equal(Number(i), next[tag], `writer ${tag} in order`);
      assert.equal(pad.length, Number(i) % 300, 'record whole');
      next[tag]++;
    }
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(cursor.lost, 0);
  await Promise.all(writers.map((w) => new Promise((r) => { if (w.exitCode !== null) r(null); else w.once('exit', r); })));
  assert.deepEqual(writers.map((w) => w.exitCode), [0, 0]);
});
