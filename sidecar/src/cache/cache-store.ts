import type { ResponseHeaders } from './cache-policy.js';

/**
 * One stored response (or the Vary marker of a URL). Immutable once stored:
 * the stores hand out the same frozen object to every hit.
 */
export interface CacheEntry {
  /** The full key; compared on every lookup, so a hash collision is only a miss. */
  readonly key: string;
  /** `vary`: a marker under a URL's primary key naming the headers its variants use. */
  readonly kind: 'response' | 'vary';
  readonly status: number;
  /** Stored headers (no Set-Cookie, no Askr-Cache), lowercase names. */
  readonly headers: Readonly<ResponseHeaders>;
  readonly body: Buffer;
  /** App tags plus the implicit URL and path tags. */
  readonly tags: readonly string[];
  /** When it was stored, ms since the epoch. */
  readonly storedAt: number;
  /** End of the fresh window (ttl), ms since the epoch. */
  readonly freshUntil: number;
  /** End of the swr window, ms since the epoch (= freshUntil without swr). */
  readonly staleUntil: number;
  /** End of the sie window, ms since the epoch (= freshUntil without sie). */
  readonly errorUntil: number;
  /**
   * The forget sequence read before PHP ran for this entry. The entry is valid
   * only while no tag of it was forgotten with a later sequence.
   */
  readonly bornSeq: number;
}

/** Result of a store attempt. */
export type PutResult =
  | 'stored'
  /** Larger than the per-entry limit (or than the whole store). */
  | 'too-large'
  /** A tag was forgotten after bornSeq: storing would only keep dead bytes. */
  | 'forgotten'
  /** The writer lock is held by a live process beyond the spin budget; retry later. */
  | 'busy';

export interface StoreStats {
  readonly entries: number;
  /** Bytes held by entries, including block rounding. */
  readonly bytesUsed: number;
  readonly capacityBytes: number;
  /** Entries removed to make room (not counting replaced or expired ones). */
  readonly evictions: number;
}

/**
 * Where entries and tag generations live. Every implementation passes
 * `sidecar/test/cache-store-contract.test.ts`. All methods are synchronous and
 * safe to call from several processes when the implementation is shared.
 */
export interface CacheStore {
  /** Largest encoded entry accepted, in bytes. */
  readonly maxEntryBytes: number;
  /** The current forget sequence; read before PHP runs and stored as bornSeq. */
  forgetSequence(): number;
  /**
   * The entry under `key`, if it exists, `now` is before the end of its last
   * window, and none of its tags was forgotten after its bornSeq. Entries
   * found invalid are dropped (or marked for eviction).
   */
  get(key: string, now: number): CacheEntry | undefined;
  /** Stores an entry, replacing any entry under the same key. */
  put(entry: CacheEntry, now: number): PutResult;
  /** Removes the entry under `key`; false if there was none (or the lock was busy). */
  delete(key: string): boolean;
  /**
   * Invalidates every entry carrying any of `tags`, at once, in every process
   * sharing the store. O(number of tags). Returns the new forget sequence.
   */
  forgetTags(tags: readonly string[]): number;
  /**
   * Invalidates every entry stored so far, at once, in every process sharing
   * the store: as if every entry carried one more tag and it was forgotten.
   * O(1). Returns the new forget sequence.
   */
  forgetAll(): number;
  /**
   * Withholds every entry stored so far: `get` does not return them (and does
   * not drop them) until `release()`; entries stored meanwhile are served.
   * O(1). A held entry that `forgetAll()` invalidates stays invalid after the
   * release. Returns the new forget sequence.
   */
  hold(): number;
  /** Ends a hold: the withheld entries that are still valid are served again. */
  release(): void;
  stats(): StoreStats;
}
