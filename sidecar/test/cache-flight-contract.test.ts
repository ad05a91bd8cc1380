// The flight-table contract: every FlightTable implementation passes this suite
// (the in-memory reference and the shared-memory table).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheHash, laneIndex } from '../src/cache/cache-hash.js';
import { cacheRegions, FLIGHT_SLOTS, FLIGHT_WAYS } from '../src/cache/cache-layout.js';
import type { FlightTable } from '../src/cache/flight-table.js';
import { MemoryFlightTable } from '../src/cache/memory-flight-table.js';
import { ShmCache } from '../src/cache/shm-cache.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-flight-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

let files = 0;
const impls: { name: string; make: () => FlightTable; crowd: (n: number) => string[] }[] = [
  {
    name: 'MemoryFlightTable',
    make: () => new MemoryFlightTable(FLIGHT_WAYS),
    crowd: (n) => Array.from({ length: n }, (_, i) => `crowd${i}`),
  },
  {
    name: 'ShmFlightTable',
    make: () => {
      const region = ShmRegion.open({ path: join(dir, `f${files++}.shm`), regions: cacheRegions({ responseCache: 1 }), stamp: 'f', mode: 'create' });
      return ShmCache.fromRegion(region, { maxEntryBytes: 65536 }).flights;
    },
    // Keys that land in one bucket of the shared table.
    crowd: (n) => {
      const out: string[] = [];
      const buckets = FLIGHT_SLOTS / FLIGHT_WAYS;
      for (let i = 0; out.length < n; i++) if (laneIndex(cacheHash(`crowd${i}`).lo, buckets) === 7) out.push(`crowd${i}`);
      return out;
    },
  },
];

const now = Date.now();

for (const impl of impls) {
  describe(`FlightTable contract: ${impl.name}`, () => {
    test('one leader per key; later claimants follow the same claim', () => {
      const f = impl.make();
      const a = f.claim('k', now + 1000, now);
      const b = f.claim('k', now + 1000, now);
      assert.ok(a.role === 'leader' && b.role === 'follower');
      assert.deepEqual(b.ticket, a.ticket);
      assert.equal(f.claim('other', now + 1000, now).role, 'leader');
    });

    test('followers read the outcome; the next claim leads again', () => {
      for (const outcome of ['stored', 'not-stored', 'abandoned'] as const) {
        const f = impl.make();
        const a = f.claim('k', now + 1000, now);
        assert.ok(a.role === 'leader');
        assert.equal(f.inspect(a.ticket, now), 'pending');
        assert.equal(f.release(a.ticket, outcome), true);
        assert.equal(f.release(a.ticket, outcome), false, 'released once');
        assert.equal(f.inspect(a.ticket, now), outcome);
        const b = f.claim('k', now + 1000, now);
        assert.equal(b.role, 'leader');
        assert.ok(['gone', outcome].includes(f.inspect(a.ticket, now)));
      }
    });

    test('a leader whose process died is orphaned, and the next claimant takes over', () => {
      const f = impl.make();
      const a = f.claim('k', now + 60_000, now, { pid: deadPid(), start: 0 });
      assert.ok(a.role === 'leader');
      assert.equal(f.inspect(a.ticket, now), 'orphaned');
      const b = f.claim('k', now + 60_000, now);
      assert.ok(b.role === 'leader');
      assert.notDeepEqual(b.ticket, a.ticket);
      assert.equal(f.inspect(a.ticket, now), 'gone');
      assert.equal(f.release(a.ticket, 'stored'), false, 'the dead leader cannot release the new claim');
      assert.equal(f.inspect(b.ticket, now), 'pending');
    });

    test('a leader past its deadline is orphaned even though it lives', () => {
      const f = impl.make();
      const a = f.claim('k', now + 100, now);
      assert.ok(a.role === 'leader');
      assert.equal(f.inspect(a.ticket, now + 50), 'pending');
      assert.equal(f.inspect(a.ticket, now + 101), 'orphaned');
      assert.equal(f.claim('k', now + 1000, now + 101).role, 'leader');
    });

    test('a full table means no coordination, never a wait', () => {
      const f = impl.make();
      const keys = impl.crowd(FLIGHT_WAYS + 1);
      for (const k of keys.slice(0, FLIGHT_WAYS)) assert.equal(f.claim(k, now + 1000, now).role, 'leader');
      assert.equal(f.claim(keys[FLIGHT_WAYS]!, now + 1000, now).role, 'none');
    });

    test('finished claims make room for new keys', () => {
      const f = impl.make();
      const keys = impl.crowd(FLIGHT_WAYS + 1);
      const tickets = keys.slice(0, FLIGHT_WAYS).map((k) => f.claim(k, now + 1000, now));
      const first = tickets[0];
      assert.ok(first?.role === 'leader');
      f.release(first.ticket, 'stored');
      assert.equal(f.claim(keys[FLIGHT_WAYS]!, now + 1000, now).role, 'leader');
    });
  });
}
