// Hit ratio of the response cache's eviction policy on a Zipf trace, against
// plain FIFO (the same shared-memory store with the policy swapped) and the
// in-memory LRU reference, in one run:
//
//   node --import tsx bench/src/cache-zipf.ts [--requests 1000000] [--alpha 0.9] [--objects 50000] [--cache-mb 32,64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheRegions, CACHE_REGION } from '../../sidecar/src/cache/cache-layout.js';
import type { CacheEntry, CacheStore } from '../../sidecar/src/cache/cache-store.js';
import { MemoryStore } from '../../sidecar/src/cache/memory-store.js';
import { ShmStore } from '../../sidecar/src/cache/shm-store.js';
import type { EvictionPolicy } from '../../sidecar/src/cache/shm-eviction.js';
import { ShmRegion } from '../../sidecar/src/shm/shm-region.js';

export interface ZipfOptions {
  readonly requests: number;
  readonly alpha: number;
  readonly objects: number;
  readonly cacheMb: number;
  readonly seed: number;
}

export interface PolicyResult {
  readonly policy: string;
  readonly hitRatio: number;
  readonly byteHitRatio: number;
  readonly seconds: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Zipf(alpha) trace over `objects` ranks, by inverse CDF; object ids are shuffled so rank ≠ insertion order. */
export function zipfTrace(o: ZipfOptions): Uint32Array {
  const cdf = new Float64Array(o.objects);
  let sum = 0;
  for (let i = 0; i < o.objects; i++) cdf[i] = sum += 1 / Math.pow(i + 1, o.alpha);
  const rand = prng(o.seed);
  const perm = Uint32Array.from({ length: o.objects }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j] ?? 0, perm[i] ?? 0];
  }
  const trace = new Uint32Array(o.requests);
  for (let r = 0; r < o.requests; r++) {
    const u = rand() * sum;
    let lo = 0;
    let hi = o.objects - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] ?? 0) < u) lo = mid + 1;
      else hi = mid;
    }
    trace[r] = perm[lo] ?? 0;
  }
  return trace;
}

/** Page sizes from 1 to 64 KiB, log-uniform, fixed per object. */
export function sizeOf(id: number, seed: number): number {
  const u = prng(seed ^ Math.imul(id + 1, 0x9e3779b1))();
  return Math.round(1024 * Math.pow(2, u * 6));
}

const BODY = Buffer.alloc(64 * 1024 + 1, 'x');

/** Replays the trace on one store; the first 10% of requests warm it and are not counted. */
export function replay(store: CacheStore, trace: Uint32Array, seed: number): { hitRatio: number; byteHitRatio: number } {
  const now = Date.now();
  const warm = Math.floor(trace.length / 10);
  let hits = 0;
  let bytesHit = 0;
  let bytes = 0;
  for (let r = 0; r < trace.length; r++) {
    const id = trace[r] ?? 0;
    const key = `http://bench.test/page/${id}`;
    const size = sizeOf(id, seed);
    const hit = store.get(key, now) !== undefined;
    if (!hit) {
      const e: CacheEntry = {
        key, kind: 'response', status: 200, headers: { 'content-type': 'text/html' }, body: BODY.subarray(0, size),
        tags: ['pages'], storedAt: now, freshUntil: now + 3.6e6, staleUntil: now + 3.6e6, errorUntil: now + 3.6e6, bornSeq: 0,
      };
      store.put(e, now);
    }
    if (r < warm) continue;
    bytes += size;
    if (hit) {
      hits++;
      bytesHit += size;
    }
  }
  return { hitRatio: hits / (trace.length - warm), byteHitRatio: bytesHit / bytes };
}

/** Runs S3-FIFO, FIFO (shared-memory store) and LRU (reference store) on one trace. */
export function runCacheZipf(o: ZipfOptions): PolicyResult[] {
  const trace = zipfTrace(o);
  const dir = mkdtempSync(join(tmpdir(), 'askr-zipf-'));
  try {
    const results: PolicyResult[] = [];
    let capacity = 0;
    for (const policy of ['s3fifo', 'fifo'] as EvictionPolicy[]) {
      const region = ShmRegion.open({ path: join(dir, `${policy}.shm`), regions: cacheRegions({ responseCache: o.cacheMb }), stamp: 'bench', mode: 'create' });
      const store = new ShmStore(region.region(CACHE_REGION), { maxEntryBytes: 128 * 1024, eviction: policy });
      capacity = store.stats().capacityBytes;
      const t0 = performance.now();
      const r = replay(store, trace, o.seed);
      results.push({ policy: `${policy} (shm store)`, ...r, seconds: (performance.now() - t0) / 1000 });
    }
    const lru = new MemoryStore({ capacityBytes: capacity, maxEntryBytes: 128 * 1024 });
    const t0 = performance.now();
    results.push({ policy: 'lru (reference store)', ...replay(lru, trace, o.seed), seconds: (performance.now() - t0) / 1000 });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '1000000' },
      alpha: { type: 'string', default: '0.9' },
      objects: { type: 'string', default: '50000' },
      'cache-mb': { type: 'string', default: '16,64' },
      seed: { type: 'string', default: '42' },
    },
  });
  const base = { requests: Number(values.requests), alpha: Number(values.alpha), objects: Number(values.objects), seed: Number(values.seed) };
  let total = 0;
  for (let id = 0; id < base.objects; id++) total += sizeOf(id, base.seed);
  for (const mb of values['cache-mb'].split(',').map(Number)) {
    const results = runCacheZipf({ ...base, cacheMb: mb });
    const fifo = results.find((r) => r.policy.startsWith('fifo'));
    console.log(`\nZipf α=${base.alpha}, ${base.objects} pages of 1–64 KiB (${(total / 2 ** 20).toFixed(0)} MiB in all), ${base.requests} requests, --response-cache ${mb}`);
    console.log('policy                  hit ratio  byte hit ratio  hits vs FIFO  time');
    for (const r of results) {
      const ratio = fifo ? (r.hitRatio / fifo.hitRatio).toFixed(2) : '-';
      console.log(`${r.policy.padEnd(22)}  ${pct(r.hitRatio).padStart(9)}  ${pct(r.byteHitRatio).padStart(14)}  ${`${ratio}×`.padStart(12)}  ${r.seconds.toFixed(1)} s`);
    }
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) main();
