/**
 * A 64-bit string hash as two 32-bit lanes. It only places keys and tags in
 * tables; identity is always confirmed by comparing the full key, so a
 * collision costs a miss, never a wrong answer.
 */
export interface KeyHash {
  /** Low lane, signed 32-bit (as stored in an Int32Array). */
  readonly lo: number;
  /** High lane, signed 32-bit. */
  readonly hi: number;
}

/**
 * Hashes the UTF-16 code units of `s` (a cyrb53-style two-lane multiply-xorshift;
 * fast in V8 and well mixed in both lanes).
 */
export function cacheHash(s: string): KeyHash {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return { lo: h1 | 0, hi: h2 | 0 };
}

/** Unsigned remainder of a lane, for table indexes. */
export function laneIndex(lane: number, size: number): number {
  return (lane >>> 0) % size;
}
