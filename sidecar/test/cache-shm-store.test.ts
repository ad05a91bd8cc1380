// What only the shared-memory store must show: tag-table collisions never make
// stale content look fresh, entries survive a reopen, a dead lock holder is
// repaired away (a real SIGKILLed process), and S3-FIFO keeps a hot set that
// FIFO loses to a scan.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRegions, CACHE_REGION, M, S, SLOT_WORDS } from '../src/cache/cache-layout.js';
import type { CacheEntry } from '../src/cache/cache-store.js';
import { MemoryStore } from '../src/cache/memory-store.js';
import type { EvictionPolicy } from '../src/cache/shm-eviction.js';
import { ShmStore } from '../src/cache/shm-store.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const T0 = 1_700_000_000_000;

function entry(key: string, tags: string[], bornSeq: number, size = 100): CacheEntry {
  return {
    key, kind: 'response', status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(size, key),
    tags, storedAt: T0, freshUntil: T0 + 60_000, staleUntil: T0 + 60_000, errorUntil: T0 + 60_000, bornSeq,
  };
}

function open(path: string, megabytes: number, stamp = 's', eviction?: EvictionPolicy): { region: ShmRegion; store: ShmStore } {
  const region = ShmRegion.open({ path, regions: cacheRegions({ responseCache: megabytes }), stamp, mode: 'create' });
  return { region, store: new ShmStore(region.region(CACHE_REGION), { maxEntryBytes: 64 * 1024, eviction }) };
}

// Child mode: take the lock, leave the store half-written, report, and wait to be killed.
if (process.env.ASKR_CACHE_CHILD === 'die-holding-lock') {
  const region = ShmRegion.open({ path: process.env.ASKR_CACHE_FILE ?? '', regions: cacheRegions({ responseCache: 1 }), stamp: 's', mode: 'attach' });
  const store = new ShmStore(region.region(CACHE_REGION), { maxEntryBytes: 64 * 1024 });
  assert.equal(store.mutex.tryAcquire(), 'acquired');
  const v = store.views;
  // Mid-put: two blocks taken off the free list, a slot half-published.
  v.meta[M.freeHead] = 0;
  v.meta[M.fresh] = (v.meta[M.fresh] ?? 0) + 2;
  v.meta[M.usedBlocks] = (v.meta[M.usedBlocks] ?? 0) + 2;
  const victim = 5 * SLOT_WORDS;
  Atomics.store(v.slots, victim + S.seq, 1);
  v.slots[victim + S.state] = 1;
  process.send?.('holding');
  setInterval(() => undefined, 1000);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'askr-shm-store-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('ShmStore', () => {
    test('tag-table collisions cost extra misses, never stale hits (oracle: exact-name store)', () => {
      const { store } = open(join(dir, 'collide.shm'), 1);
      // Real collisions in the real table: pick pairs that share a real slot.
      const pairs: [string, string][] = [];
      const real = new Map<number, string>();
      for (let i = 0; pairs.length < 6; i++) {
        const t = `x${i}`;
        const s = store.tags.slotOf(t);
        const other = real.get(s);
        if (other) pairs.push([other, t]);
        else real.set(s, t);
      }
      const universe = [...pairs.flat(), 'lonely-a', 'lonely-b'];
      const oracle = new MemoryStore({ capacityBytes: 1 << 30, maxEntryBytes: 1 << 20 });
      let seed = 7;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      let extraMisses = 0;
      for (let step = 0; step < 20_000; step++) {
        const key = `k${rand(60)}`;
        const op = rand(10);
        if (op < 2) {
          const t = universe[rand(universe.length)] ?? 'x';
          store.forgetTags([t]);
          oracle.forgetTags([t]);
        } else if (op < 5) {
          const tags = [universe[rand(universe.length)] ?? 'x', universe[rand(universe.length)] ?? 'y'];
          // Both stores see the same forget history, so the same bornSeq ordering.
          store.put(entry(key, tags, store.forgetSequence()), T0);
          oracle.put(entry(key, tags, oracle.forgetSequence()), T0);
        } else {
          const got = store.get(key, T0);
          const truth = oracle.get(key, T0);
          if (got) assert.ok(truth, `step ${step}: ${key} served by the shm store but invalid by exact tags`);
          if (!got && truth) extraMisses++;
        }
      }
      assert.ok(extraMisses > 0, 'the collision-dense universe must actually collide');
    });

    test('entries survive reopening the file with the same stamp, and not with another', () => {
      const path = join(dir, 'reopen.shm');
      const a = open(path, 1);
      a.store.put(entry('kept', ['t'], 0), T0);
      const b = open(path, 1);
      assert.equal(b.region.reused, true);
      assert.equal(b.store.get('kept', T0)?.body.length, 100);
      assert.equal(b.store.repair(), true, 'repair on a consistent store keeps everything');
      assert.ok(b.store.get('kept', T0));
      const c = open(path, 1, 'another-app');
      assert.equal(c.region.reused, false);
      assert.equal(c.store.get('kept', T0), undefined);
    });

    test('a process SIGKILLed inside the writer lock: the next writer takes over and repairs', async (t) => {
      const path = join(dir, 'death.shm');
      const { store } = open(path, 1);
      for (let i = 0; i < 20; i++) store.put(entry(`k${i}`, ['t'], 0, 3000), T0);
      const child = fork(fileURLToPath(import.meta.url), [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, ASKR_CACHE_CHILD: 'die-holding-lock', ASKR_CACHE_FILE: path },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      t.after(() => child.kill('SIGKILL'));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error('child did not take the lock within 90 s'));
        }, 90_000);
        child.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
        child.once('exit', (code) => {
          reject(new Error(`child exited early (${code})`));
        });
      });
      assert.equal(store.mutex.holder(), child.pid);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.equal(store.put(entry('after', ['t'], 0), T0), 'stored');
      assert.equal(store.mutex.recovered, 1);
      assert.equal(store.repairs(), 1);
      assert.deepEqual(store.verify(), []);
      for (let i = 0; i < 20; i++) assert.equal(store.get(`k${i}`, T0)?.body.toString(), `k${i}`.repeat(3000).slice(0, 3000));
    });

    for (const [policy, keepsHot] of [['s3fifo', true], ['fifo', false]] as const) {
      test(`${policy}: a hot set read often ${keepsHot ? 'survives' : 'is lost to'} a scan of one-hit wonders`, () => {
        const { store } = open(join(dir, `scan-${policy}.shm`), 1, 's', policy);
        const hot = Array.from({ length: 20 }, (_, i) => `hot${i}`);
        for (const k of hot) store.put(entry(k, [], 0, 2000), T0);
        for (let round = 0; round < 3; round++) for (const k of hot) assert.ok(store.get(k, T0));
        for (let i = 0; i < 3000; i++) {
          store.put(entry(`scan${i}`, [], 0, 2000), T0);
          if (i % 50 === 0) for (const k of hot) store.get(k, T0);
        }
        const survivors = hot.filter((k) => store.get(k, T0)).length;
        assert.deepEqual(store.verify(), []);
        if (keepsHot) assert.equal(survivors, hot.length);
        else assert.ok(survivors < hot.length, `fifo kept ${survivors}`);
      });
    }
  });
}
