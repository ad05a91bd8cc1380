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

  /** True while no slot in `slots` was raised above `born`. */
  valid(slots: Uint32Array, born: bigint): boolean {
    const table = this.v.tags;
    for (const i of slots) if (Atomics.load(table, i & this.mask) > born) return false;
    return true;
  }
}
