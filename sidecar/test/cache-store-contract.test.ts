// The store contract: every CacheStore implementation passes this same suite
// (the in-memory reference and the shared-memory store over a real mapping).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheEntry, CacheStore } from '../src/cache/cache-store.js';
import { MemoryStore } from '../src/cache/memory-store.js';
import { ShmStore } from '../src/cache/shm-store.js';
import { cacheRegions, CACHE_REGION } from '../src/cache/cache-layout.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-cache-contract-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function shmStore(megabytes: number, maxEntryBytes: number): ShmStore {
  const region = ShmRegion.open({ path: join(dir, `c${files++}.shm`), regions: cacheRegions({ responseCache: megabytes }), stamp: 'contract', mode: 'create' });
  return new ShmStore(region.region(CACHE_REGION), { maxEntryBytes });
}

const implementations: { name: string; make: (megabytes: number, maxEntryBytes: number) => CacheStore }[] = [
  { name: 'MemoryStore', make: (mb, max) => new MemoryStore({ capacityBytes: Math.floor(mb * 1024 * 1024 * 0.9), maxEntryBytes: max }) },
  { name: 'ShmStore', make: shmStore },
];

const T0 = 1_700_000_000_000;

function entry(key: string, over: Partial<CacheEntry> = {}): CacheEntry {
  return {
    key,
    kind: 'response',
    status: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', link: ['</a.css>; rel=preload', '</b.js>; rel=preload'] },
    body: Buffer.from(`<p>${key}</p>`),
    tags: ['posts'],
    storedAt: T0,
    freshUntil: T0 + 60_000,
    staleUntil: T0 + 90_000,
    errorUntil: T0 + 120_000,
    bornSeq: 0,
    ...over,
  };
}

for (const impl of implementations) {
  describe(`CacheStore contract: ${impl.name}`, () => {
    test('a stored entry comes back byte for byte', () => {
      const s = impl.make(1, 256 * 1024);
      const body = Buffer.alloc(5000);
      for (let i = 0; i < body.length; i++) body[i] = i % 256;
      const e = entry('http://a.test/x', { body, tags: ['posts', 'post:1', 'App\\Models\\Post'], bornSeq: s.forgetSequence() });
      assert.equal(s.put(e, T0), 'stored');
      const got = s.get('http://a.test/x', T0 + 1);
      assert.ok(got);
      assert.deepEqual({ ...got, body: undefined }, { ...e, body: undefined });
      assert.ok(got.body.equals(body));
      assert.equal(s.stats().entries, 1);
    });

    test('an empty body and a 404 status round-trip', () => {
      const s = impl.make(1, 64 * 1024);
      assert.equal(s.put(entry('k', { body: Buffer.alloc(0), status: 404, tags: [] }), T0), 'stored');
      const got = s.get('k', T0);
      assert.equal(got?.status, 404);
      assert.equal(got.body.length, 0);
    });

    test('keys are exact: no prefix, case or near miss matches', () => {
      const s = impl.make(1, 64 * 1024);
      s.put(entry('http://a.test/x?a=1'), T0);
      for (const k of ['http://a.test/x', 'http://a.test/x?a=10', 'HTTP://a.test/x?a=1', 'http://a.test/x?a=1 ']) {
        assert.equal(s.get(k, T0), undefined, k);
      }
      assert.ok(s.get('http://a.test/x?a=1', T0));
    });

    test('a put replaces the entry under the same key', () => {
      const s = impl.make(1, 64 * 1024);
      s.put(entry('k', { body: Buffer.from('one') }), T0);
      s.put(entry('k', { body: Buffer.from('two') }), T0);
      assert.equal(s.get('k', T0)?.body.toString(), 'two');
      assert.equal(s.stats().entries, 1);
    });

    test('delete removes an entry and reports whether there was one', () => {
      const s = impl.make(1, 64 * 1024);
      s.put(entry('k'), T0);
      assert.equal(s.delete('k'), true);
      assert.equal(s.delete('k'), false);
      assert.equal(s.get('k', T0), undefined);
      assert.equal(s.stats().entries, 0);
    });

    test('an entry is returned until the end of its last window, then never', () => {
      const s = impl.make(1, 64 * 1024);
      s.put(entry('k'), T0);
      assert.ok(s.get('k', T0 + 100_000), 'inside the error window');
      assert.equal(s.get('k', T0 + 120_000), undefined);
      assert.equal(s.get('k', T0 + 500_000), undefined);
    });

    test('forgetting a tag invalidates every entry carrying it, and only those', () => {
      const s = impl.make(1, 64 * 1024);
      const born = s.forgetSequence();
      s.put(entry('a', { tags: ['posts', 'home'], bornSeq: born }), T0);
      s.put(entry('b', { tags: ['posts'], bornSeq: born }), T0);
      s.put(entry('c', { tags: ['users'], bornSeq: born }), T0);
      const seq = s.forgetTags(['posts']);
      assert.ok(seq > born);
      assert.equal(s.forgetSequence(), seq);
      assert.equal(s.get('a', T0), undefined);
      assert.equal(s.get('b', T0), undefined);
      assert.ok(s.get('c', T0));
    });

    test('a forget while the page renders is never lost', () => {
      const s = impl.make(1, 64 * 1024);
      const born = s.forgetSequence(); // read when the request starts
      s.forgetTags(['posts']); // the model is saved while PHP renders
      const result = s.put(entry('k', { bornSeq: born }), T0);
      assert.equal(result, 'forgotten');
      assert.equal(s.get('k', T0), undefined);
    });

    test('forgetAll invalidates every entry stored so far in O(1), and none stored after', () => {
      const s = impl.make(1, 64 * 1024);
      const born = s.forgetSequence();
      s.put(entry('a', { tags: ['posts'], bornSeq: born }), T0);
      s.put(entry('b', { tags: [], bornSeq: born }), T0);
      const rendering = s.forgetSequence(); // a request that started before the forget-all
      const seq = s.forgetAll();
      assert.ok(seq > born);
      assert.equal(s.forgetSequence(), seq);
      assert.equal(s.get('a', T0), undefined);
      assert.equal(s.get('b', T0), undefined);
      assert.equal(s.put(entry('late', { bornSeq: rendering }), T0), 'forgotten');
      assert.equal(s.put(entry('c', { bornSeq: s.forgetSequence() }), T0), 'stored');
      assert.ok(s.get('c', T0));
      s.forgetTags(['posts']);
      assert.ok(s.get('c', T0 + 1) === undefined, 'tags still work after a forget-all');
    });

    test('hold withholds older entries without dropping them; release serves them again', () => {
      const s = impl.make(1, 64 * 1024);
      const born = s.forgetSequence();
      s.put(entry('kept', { tags: ['users'], bornSeq: born }), T0);
      s.put(entry('gone', { tags: ['posts'], bornSeq: born }), T0);
      s.hold();
      assert.equal(s.get('kept', T0), undefined, 'held');
      assert.equal(s.get('gone', T0), undefined, 'held');
      assert.equal(s.put(entry('new', { bornSeq: s.forgetSequence() }), T0), 'stored');
      assert.ok(s.get('new', T0), 'entries stored during the hold are served');
      s.forgetTags(['posts']); // what a peer forgot while this pod was away
      s.release();
      assert.ok(s.get('kept', T0), 'released');
      assert.equal(s.get('gone', T0), undefined);
      s.hold();
      s.forgetAll(); // the hold ended without hearing from every peer
      s.release();
      assert.equal(s.get('kept', T0), undefined);
      assert.equal(s.get('new', T0), undefined);
    });

    test('content rendered after a forget is stored and served', () => {
      const s = impl.make(1, 64 * 1024);
      s.forgetTags(['posts']);
      assert.equal(s.put(entry('k', { bornSeq: s.forgetSequence() }), T0), 'stored');
      assert.ok(s.get('k', T0));
    });

    test('an entry may carry hundreds of tags; any one of them invalidates it', () => {
      const s = impl.make(2, 256 * 1024);
      const tags = Array.from({ length: 600 }, (_, i) => `post:${i}`);
      for (const victim of ['post:0', 'post:333', 'post:599']) {
        const born = s.forgetSequence();
        assert.equal(s.put(entry('k', { tags, bornSeq: born }), T0), 'stored');
        assert.deepEqual(s.get('k', T0)?.tags, tags);
        s.forgetTags([victim]);
        assert.equal(s.get('k', T0), undefined, victim);
      }
    });

    test('an entry over the size limit is refused', () => {
      const s = impl.make(1, 16 * 1024);
      assert.equal(s.put(entry('big', { body: Buffer.alloc(20 * 1024) }), T0), 'too-large');
      assert.equal(s.get('big', T0), undefined);
      assert.ok(s.maxEntryBytes <= 16 * 1024);
    });

    test('filling past capacity evicts, stays within capacity and never corrupts', () => {
      const s = impl.make(1, 64 * 1024);
      const bodyOf = (i: number) => Buffer.alloc(3000 + (i % 7) * 1000, i % 251);
      for (let i = 0; i < 2000; i++) assert.equal(s.put(entry(`k${i}`, { body: bodyOf(i) }), T0), 'stored');
      const st = s.stats();
      assert.ok(st.bytesUsed <= st.capacityBytes, `${st.bytesUsed} <= ${st.capacityBytes}`);
      assert.ok(st.evictions > 0);
      assert.ok(st.entries > 0 && st.entries < 2000);
      let found = 0;
      for (let i = 0; i < 2000; i++) {
        const got = s.get(`k${i}`, T0);
        if (!got) continue;
        found++;
        assert.ok(got.body.equals(bodyOf(i)), `k${i}`);
      }
      assert.equal(found, s.stats().entries);
      assert.ok(s.get('k1999', T0), 'the newest entry is kept');
    });

    test('returned entries are immutable', () => {
      const s = impl.make(1, 64 * 1024);
      s.put(entry('k'), T0);
      const got = s.get('k', T0)!;
      assert.throws(() => {
        (got as { status: number }).status = 500;
      });
      assert.throws(() => {
        (got.headers as Record<string, string>)['set-cookie'] = 'x';
      });
    });
  });
}
