import { cacheHash } from './cache-hash.js';
import { M, type CacheViews } from './cache-layout.js';

/**
 * Tag invalidation in O(1), exact under collisions. One 64-bit forget
 * sequence `F` and a direct-mapped table `last[]` of 64-bit sequences:
 * forgetting tags takes `s = ++F` and raises each tag's slot to at least `s`.
 * An entry stores the `F` read before PHP ran (bornSeq) and is valid while
 * every tag slot is ≤ bornSeq. Slots only grow, so two tags sharing a slot can
 * only cause an extra miss, never make stale content look fresh; and a forget
 * that lands while the page renders has `s > bornSeq`, so it is never lost.
 */
export class ShmTagTable {
  private readonly v: CacheViews;
  private readonly mask: number;

  constructor(views: CacheViews) {
    this.v = views;
    this.mask = views.layout.tagSlots - 1;
  }

  /** Slot of a tag in the table. */
  slotOf(tag: string): number {
    return cacheHash(tag).lo & this.mask;
  }

  /** The forget sequence now. */
  sequence(): number {
    return Number(Atomics.load(this.v.meta64, M.forgetSeq64));
  }

  /** Forgets `tags` in every process at once; returns the sequence used. */
  forget(tags: readonly string[]): number {
    const s = Atomics.add(this.v.meta64, M.forgetSeq64, 1n) + 1n;
    const table = this.v.tags;
    for (const tag of tags) {
      const i = this.slotOf(tag);
      // Raise to max(current, s): a concurrent forget with a larger s must win.
      for (let cur = Atomics.load(table, i); cur < s; ) {
        const seen = Atomics.compareExchange(table, i, cur, s);
        if (seen === cur) break;
        cur = seen;
      }
    }
    return Number(s);
  }

  /**
   * Forgets every entry born so far: the forget-all barrier is raised to a new
   * sequence, which every entry read with an older one fails — a tag every
   * entry carries. O(1).
   */
  forgetAll(): number {
    const s = Atomics.add(this.v.meta64, M.forgetSeq64, 1n) + 1n;
    raise(this.v.meta64, M.allSeq64, s);
    return Number(s);
  }

  /** Withholds every entry born so far until `release()` (same comparison, reversible, never marks entries dead). */
  hold(): number {
    const s = Atomics.add(this.v.meta64, M.forgetSeq64, 1n) + 1n;
    Atomics.store(this.v.meta64, M.holdSeq64, s);
    return Number(s);
  }

  release(): void {
    Atomics.store(this.v.meta64, M.holdSeq64, 0n);
  }

  /** True while a hold withholds entries born at `born`. */
  held(born: bigint): boolean {
    return Atomics.load(this.v.meta64, M.holdSeq64) > born;
  }

  /** True while no slot in `slots` was raised above `born`, nor the forget-all barrier. */
  valid(slots: Uint32Array, born: bigint): boolean {
    if (Atomics.load(this.v.meta64, M.allSeq64) > born) return false;
    const table = this.v.tags;
    for (const i of slots) if (Atomics.load(table, i & this.mask) > born) return false;
    return true;
  }
}

/** Raises a shared 64-bit word to at least `s` (a concurrent larger value wins). */
function raise(words: BigInt64Array, index: number, s: bigint): void {
  for (let cur = Atomics.load(words, index); cur < s; ) {
    const seen = Atomics.compareExchange(words, index, cur, s);
    if (seen === cur) break;
    cur = seen;
  }
}
