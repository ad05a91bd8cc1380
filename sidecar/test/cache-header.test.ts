// The Askr-Cache grammar, example by example, plus a fuzzer: random and mutated
// headers never throw, and whatever parses satisfies the grammar's invariants.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidTag, MAX_TAG_LENGTH, parseCacheHeader } from '../src/cache/cache-header.js';

function ok(v: string) {
  const r = parseCacheHeader(v);
  assert.ok(r?.ok, `${v}: ${r && !r.ok ? r.error : 'absent'}`);
  return r.directive;
}

function bad(v: string | string[]) {
  const r = parseCacheHeader(v);
  assert.equal(r?.ok, false, `${JSON.stringify(v)} should be rejected`);
}

describe('parseCacheHeader', () => {
  test('absent header is not an error', () => {
    assert.equal(parseCacheHeader(undefined), undefined);
    assert.equal(parseCacheHeader([]), undefined);
  });

  test('ttl alone; parameters in any order; whitespace around items', () => {
    assert.deepEqual(ok('60'), { ttl: 60, swr: 0, sie: 0, tags: [] });
    assert.deepEqual(ok('60, swr=30, sie=600, tags=posts,post:1'), { ttl: 60, swr: 30, sie: 600, tags: ['posts', 'post:1'] });
    assert.deepEqual(ok('60,tags=a,b,swr=5'), { ttl: 60, swr: 5, sie: 0, tags: ['a', 'b'] });
    assert.deepEqual(ok(' 10 ,  sie=1 , swr=2 '), { ttl: 10, swr: 2, sie: 1, tags: [] });
    assert.deepEqual(ok('10, stale-while-revalidate=3, stale-if-error=4'), { ttl: 10, swr: 3, sie: 4, tags: [] });
    assert.deepEqual(ok('10, SWR=3'), { ttl: 10, swr: 3, sie: 0, tags: [] });
  });

  test('tags: case-sensitive, de-duplicated, namespaced and class-like names allowed', () => {
    assert.deepEqual(ok('1, tags=Posts,posts,posts,App\\Models\\Post:7,a/b@c#d').tags, ['Posts', 'posts', 'App\\Models\\Post:7', 'a/b@c#d']);
  });

  test('no small limit on tags per entry', () => {
    const tags = Array.from({ length: 2000 }, (_, i) => `t${i}`);
    assert.equal(ok(`60, tags=${tags.join(',')}`).tags.length, 2000);
  });

  test('ttl 0 parses (it means "do not store")', () => {
    assert.equal(ok('0').ttl, 0);
  });

  test('rejected: the mistakes apps make', () => {
    for (const v of [
      '', ' ', 'abc', '-1', '1.5', '60s', '1e3', '1234567890', 'tags=a', 'swr=5, 60',
      '60,', '60,,swr=1', '60, swr=', '60, swr=x', '60, swr=1, swr=2', '60, sie=1, stale-if-error=2',
      '60, tags=', '60, tags=a,,b', '60, tags=a b', '60, tags="a"', '60, tags=a;b', '60, tags=a, tags=b',
      '60, max-age=5', '60, a', '60; swr=5', '60, swr = 5', `60, tags=${'x'.repeat(MAX_TAG_LENGTH + 1)}`,
      '60, tags=caf\u00e9',
    ]) bad(v);
    bad(['60', '30']);
  });

  test('isValidTag agrees with the header grammar', () => {
    for (const t of ['posts', 'post:1', 'a.b-c_d']) assert.ok(isValidTag(t));
    for (const t of ['', 'a,b', 'a=b', 'a b', 'a;b', '"a"', '\u0001url:x']) assert.ok(!isValidTag(t), t);
  });
});

/** A small deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['0', '1', '9', ',', ' ', '=', 's', 'w', 'r', 'i', 'e', 't', 'a', 'g', ';', '"', '\\', '-', ':', '\t', '\u00e9', '\u0000', 'tags=', 'swr=', 'sie=', ', '];
const VALID = ['60', '60, swr=30', '5, tags=a,b, sie=9', '1, sie=2, swr=3, tags=x'];

describe('parseCacheHeader fuzz', () => {
  test('100k random and mutated headers: never throws; accepted ones obey the grammar', () => {
    const seed = Number(process.env.ASKR_FUZZ_SEED ?? 20240917);
    const r = rng(seed);
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      let v: string;
      if (r() < 0.5) {
        v = '';
        const len = Math.floor(r() * 24);
        for (let j = 0; j < len; j++) v += ALPHABET[Math.floor(r() * ALPHABET.length)] ?? '';
      } else {
        const chars = Array.from(VALID[Math.floor(r() * VALID.length)] ?? '');
        const edits = 1 + Math.floor(r() * 3);
        for (let j = 0; j < edits; j++) {
          const at = Math.floor(r() * (chars.length + 1));
          const op = r();
          if (op < 0.33) chars.splice(at, 1);
          else if (op < 0.66) chars.splice(at, 0, ALPHABET[Math.floor(r() * ALPHABET.length)] ?? '');
          else chars[at] = ALPHABET[Math.floor(r() * ALPHABET.length)] ?? '';
        }
        v = chars.join('');
      }
      let res;
      try {
        res = parseCacheHeader(v);
      } catch (err) {
        assert.fail(`seed ${seed} input ${JSON.stringify(v)} threw ${String(err)}`);
      }
      assert.ok(res, `seed ${seed}: a string value is never "absent"`);
      if (!res.ok) {
        assert.equal(typeof res.error, 'string');
        continue;
      }
      accepted++;
      const d = res.directive;
      for (const n of [d.ttl, d.swr, d.sie]) assert.ok(Number.isInteger(n) && n >= 0 && n < 1e9, JSON.stringify(v));
      assert.ok(d.tags.every(isValidTag), JSON.stringify(v));
      assert.equal(new Set(d.tags).size, d.tags.length);
      assert.match(v.split(',')[0]?.trim() ?? '', /^[0-9]+$/);
    }
    assert.ok(accepted > 1000, `the fuzzer must reach the accepting paths (accepted ${accepted})`);
  });
});
