// Cost of answering a hit in-process (no HTTP): ResponseCache.lookup on a hot
// page from the shared-memory store, with the per-process memo of decoded
// entries and without it (every hit copies the entry out of shared memory).
//
//   node --import tsx bench/src/cache-hit.ts [--body-kb 20] [--seconds 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheRegions } from '../../sidecar/src/cache/cache-layout.js';
import { ResponseCache } from '../../sidecar/src/cache/response-cache.js';
import { ShmCache } from '../../sidecar/src/cache/shm-cache.js';
import { ShmRegion } from '../../sidecar/src/shm/shm-region.js';

export interface HitResult {
  readonly variant: string;
  readonly hitsPerSecond: number;
  readonly microsPerHit: number;
}

/** Measures lookups per second of one hot entry for `seconds`. */
export async function runCacheHit(bodyKb: number, seconds: number): Promise<HitResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'askr-hit-'));
  try {
    const out: HitResult[] = [];
    for (const [variant, memoBytes] of [['memo (hot page)', 32 * 2 ** 20], ['copy from shm each hit', 0]] as const) {
      const region = ShmRegion.open({ path: join(dir, `${String(memoBytes)}.shm`), regions: cacheRegions({ responseCache: 64 }), stamp: 'b', mode: 'create' });
      const shm = ShmCache.fromRegion(region, { maxEntryBytes: 1 << 20, memoBytes });
      const cache = new ResponseCache({ store: shm.store, flights: shm.flights, coalesceWaitMs: 1000 });
      const request = { method: 'GET', target: '/posts?page=1', headers: { host: 'shop.test', accept: 'text/html', 'user-agent': 'bench' }, deadline: Date.now() + 3.6e6 };
      const first = await cache.lookup(request);
      if (first.kind !== 'miss') throw new Error(`expected a miss, got ${first.kind}`);
      first.lease.finish({ status: 200, headers: { 'content-type': 'text/html', 'askr-cache': '3600, tags=posts,page:1' }, body: Buffer.alloc(bodyKb * 1024, 'x') });
      let n = 0;
      const t0 = performance.now();
      const until = t0 + seconds * 1000;
      while (performance.now() < until) {
        for (let i = 0; i < 1000; i++) {
          const d = cache.lookup(request);
          if (d instanceof Promise || d.kind !== 'hit') throw new Error('expected a hit');
        }
        n += 1000;
      }
      const s = (performance.now() - t0) / 1000;
      out.push({ variant, hitsPerSecond: n / s, microsPerHit: (s * 1e6) / n });
      cache.close();
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'body-kb': { type: 'string', default: '20' }, seconds: { type: 'string', default: '2' } } });
  const kb = Number(values['body-kb']);
  console.log(`ResponseCache.lookup on one hot ${kb} KiB page, one process, no HTTP`);
  for (const r of await runCacheHit(kb, Number(values.seconds))) {
    console.log(`${r.variant.padEnd(24)} ${Math.round(r.hitsPerSecond).toLocaleString('en').padStart(12)} hits/s  ${r.microsPerHit.toFixed(2)} µs/hit`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) await main();
