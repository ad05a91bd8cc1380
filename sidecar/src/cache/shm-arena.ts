import { BLOCK_SIZE, M, type CacheViews } from './cache-layout.js';
import { ENTRY_MAGIC } from './entry-codec.js';

/**
 * The arena: fixed 1 KiB blocks, chained through `next` (block index + 1,
 * 0 = end). Free blocks form one list; blocks never used yet are handed out by
 * a bump pointer, so an all-zero region is a valid empty arena. Only the
 * lock holder allocates or frees; readers only follow chains of live entries
 * and verify with the slot's seqlock afterwards, so every walk here is bounded
 * and range-checked (a chain read during a concurrent eviction may be garbage).
 */
export class ShmArena {
  private readonly v: CacheViews;

  constructor(views: CacheViews) {
    this.v = views;
  }

  /** Blocks not held by any entry. */
  freeBlocks(): number {
    return this.v.layout.blocks - (this.v.meta[M.usedBlocks] ?? 0);
  }

  /** Allocates a chain of `n` blocks; returns [first, last] (index + 1). Caller checked freeBlocks(). */
  alloc(n: number): [number, number] {
    const { meta, next } = this.v;
    let first = 0;
    let last = 0;
    for (let i = 0; i < n; i++) {
      let b: number;
      const head = (meta[M.freeHead] ?? 0);
      if (head !== 0) {
        b = head - 1;
        meta[M.freeHead] = (next[b] ?? 0);
      } else {
        b = (meta[M.fresh] ?? 0);
        if (b >= this.v.layout.blocks) throw new RangeError('response cache arena exhausted');
        meta[M.fresh] = b + 1;
      }
      next[b] = 0;
      if (last !== 0) next[last - 1] = b + 1;
      else first = b + 1;
      last = b + 1;
    }
    meta[M.usedBlocks] = (meta[M.usedBlocks] ?? 0) + n;
    return [first, last];
  }

  /** Returns a whole chain to the free list in O(1). */
  free(first: number, last: number, n: number): void {
    const { meta, next } = this.v;
    next[last - 1] = (meta[M.freeHead] ?? 0);
    meta[M.freeHead] = first;
    meta[M.usedBlocks] = (meta[M.usedBlocks] ?? 0) - n;
  }

  /** Writes `bytes` along the chain starting at `first`. */
  write(first: number, bytes: Buffer): void {
    const { arena, next } = this.v;
    let b = first;
    for (let at = 0; at < bytes.length; at += BLOCK_SIZE) {
      bytes.copy(arena, (b - 1) * BLOCK_SIZE, at, Math.min(at + BLOCK_SIZE, bytes.length));
      b = (next[b - 1] ?? 0);
    }
  }

  /**
   * Copies `length` bytes out of the chain at `first` into a new buffer.
   * Returns undefined if the chain leaves the arena (a concurrent eviction).
   */
  read(first: number, length: number): Buffer | undefined {
    const { arena, next } = this.v;
    const blocks = this.v.layout.blocks;
    if (length <= 0 || length > blocks * BLOCK_SIZE) return undefined;
    const out = Buffer.allocUnsafe(length);
    let b = first;
    let at = 0;
    while (at < length) {
      if (b < 1 || b > blocks) return undefined;
      // Chains are mostly runs of adjacent blocks: copy a run in one go.
      const start = b;
      let run = BLOCK_SIZE;
      while (at + run < length && (next[b - 1] ?? 0) === b + 1 && b < blocks) {
        b++;
        run += BLOCK_SIZE;
      }
      const n = Math.min(run, length - at);
      arena.copy(out, at, (start - 1) * BLOCK_SIZE, (start - 1) * BLOCK_SIZE + n);
      at += n;
      b = next[b - 1] ?? 0;
    }
    return out;
  }

  /**
   * Checks a chain for repair: exactly `n` blocks, in range, ending at `last`,
   * none already `owned` (marked 1). Marks its blocks 2 while walking (so a loop
   * or a block shared within the chain is caught); the caller then commits
   * them with `own` or drops them with `unmark`.
   */
  chainOk(first: number, last: number, n: number, owned: Uint8Array): boolean {
    const blocks = this.v.layout.blocks;
    let b = first;
    for (let i = 0; i < n; i++) {
      if (b < 1 || b > blocks || owned[b - 1] !== 0) return false;
      owned[b - 1] = 2;
      if (i === n - 1) return b === last && this.v.next[b - 1] === 0;
      b = this.v.next[b - 1] ?? 0;
    }
    return false;
  }

  /** Sets the blocks of a chain walked by `chainOk` (marked 2) to `mark`. */
  settle(first: number, n: number, owned: Uint8Array, mark: 0 | 1): void {
    const blocks = this.v.layout.blocks;
    let b = first;
    for (let i = 0; i < n && b >= 1 && b <= blocks && owned[b - 1] === 2; i++) {
      owned[b - 1] = mark;
      b = this.v.next[b - 1] ?? 0;
    }
  }

  /** The entry length recorded in the first block of a chain, or -1 if it does not start an entry. */
  headLength(first: number): number {
    const at = (first - 1) * BLOCK_SIZE;
    if (first < 1 || first > this.v.layout.blocks || this.v.arena.readUInt32LE(at) !== ENTRY_MAGIC) return -1;
    return this.v.arena.readUInt32LE(at + 4);
  }

  /** Rebuilds the free list from the blocks nobody owns (repair). */
  rebuild(owned: Uint8Array): void {
    const { meta, next } = this.v;
    let fresh = Math.min(Math.max((meta[M.fresh] ?? 0), 0), this.v.layout.blocks);
    // An owned block beyond the bump pointer means the pointer was torn: move it past.
    for (let b = owned.length - 1; b >= fresh; b--) {
      if (owned[b] === 1) {
        fresh = b + 1;
        break;
      }
    }
    meta[M.fresh] = fresh;
    let head = 0;
    let used = 0;
    for (let b = fresh - 1; b >= 0; b--) {
      if (owned[b] === 1) {
        used++;
        continue;
      }
      next[b] = head;
      head = b + 1;
    }
    meta[M.freeHead] = head;
    meta[M.usedBlocks] = used;
  }
}
