import { FLAG_DEAD, M, QUEUE_MAIN, QUEUE_SMALL, S, SLOT_LIVE, SLOT_WORDS, type CacheViews } from './cache-layout.js';
import type { ShmArena } from './shm-arena.js';

/** `s3fifo` (the default) or plain `fifo` (kept to measure against). */
export type EvictionPolicy = 's3fifo' | 'fifo';

/** Share of the blocks the small FIFO may hold before it is drained first. */
const SMALL_SHARE = 0.1;
/** Hits (2-bit counter) an entry needs in the small FIFO to be promoted to main. */
const PROMOTE_AT = 1;

/**
 * S3-FIFO (Yang et al., SOSP 2023) over the index slots. Two FIFOs, doubly
 * linked through the slots (so removal is O(1) and nothing is ever copied):
 * new entries enter `small`; at small's tail an entry read again moves to
 * `main`, others are evicted and their hash goes to a ghost table; a key found
 * in the ghost is admitted straight to `main`. At main's tail an entry with
 * frequency > 0 is reinserted with frequency − 1. Entries that are dead (a
 * reader saw a forgotten tag) or past their last window go first. All methods
 * run under the store's lock.
 */
export class ShmEviction {
  private readonly v: CacheViews;
  private readonly arena: ShmArena;
  private readonly policy: EvictionPolicy;

  constructor(views: CacheViews, arena: ShmArena, policy: EvictionPolicy) {
    this.v = views;
    this.arena = arena;
    this.policy = policy;
  }

  private at(id: number, word: number): number {
    return (this.v.slots[id * SLOT_WORDS + word] ?? 0);
  }

  private set(id: number, word: number, value: number): void {
    this.v.slots[id * SLOT_WORDS + word] = value;
  }

  /** Queue a new entry enters: main if its hash is in the ghost table (S3-FIFO only). */
  admitQueue(hashLo: number, hashHi: number): number {
    if (this.policy === 'fifo') return QUEUE_SMALL;
    const { ghost, meta, layout } = this.v;
    const i = ((hashLo >>> 0) % layout.slots) * 2;
    const age = ((meta[M.ghostClock] ?? 0) - (ghost[i + 1] ?? 0)) | 0;
    return ghost[i] === (hashHi | 1) && age >= 0 && age <= Math.max((meta[M.mEntries] ?? 0), 16) ? QUEUE_MAIN : QUEUE_SMALL;
  }

  /** Links `id` at the head (newest end) of `queue`. */
  link(id: number, queue: number): void {
    const { meta } = this.v;
    const headW = queue === QUEUE_MAIN ? M.mHead : M.sHead;
    const tailW = queue === QUEUE_MAIN ? M.mTail : M.sTail;
    const head = (meta[headW] ?? 0);
    this.set(id, S.queue, queue);
    this.set(id, S.newer, 0);
    this.set(id, S.older, head);
    if (head !== 0) this.set(head - 1, S.newer, id + 1);
    else meta[tailW] = id + 1;
    meta[headW] = id + 1;
    const n = this.at(id, S.nblocks);
    if (queue === QUEUE_MAIN) {
      meta[M.mBlocks] = (meta[M.mBlocks] ?? 0) + n;
      meta[M.mEntries] = (meta[M.mEntries] ?? 0) + 1;
    } else meta[M.sBlocks] = (meta[M.sBlocks] ?? 0) + n;
  }

  /** Unlinks `id` from whichever queue holds it. */
  unlink(id: number): void {
    const { meta } = this.v;
    const queue = this.at(id, S.queue);
    if (queue !== QUEUE_SMALL && queue !== QUEUE_MAIN) return;
    const headW = queue === QUEUE_MAIN ? M.mHead : M.sHead;
    const tailW = queue === QUEUE_MAIN ? M.mTail : M.sTail;
    const newer = this.at(id, S.newer);
    const older = this.at(id, S.older);
    if (newer !== 0) this.set(newer - 1, S.older, older);
    else meta[headW] = older;
    if (older !== 0) this.set(older - 1, S.newer, newer);
    else meta[tailW] = newer;
    this.set(id, S.queue, 0);
    this.set(id, S.newer, 0);
    this.set(id, S.older, 0);
    const n = this.at(id, S.nblocks);
    if (queue === QUEUE_MAIN) {
      meta[M.mBlocks] = (meta[M.mBlocks] ?? 0) - n;
      meta[M.mEntries] = (meta[M.mEntries] ?? 0) - 1;
    } else meta[M.sBlocks] = (meta[M.sBlocks] ?? 0) - n;
  }

  /**
   * Removes a live entry: readers see its seq change before its blocks are
   * reused. Returns the queue it was in.
   */
  remove(id: number): number {
    const { meta, slots } = this.v;
    const base = id * SLOT_WORDS;
    const queue = this.at(id, S.queue);
    this.unlink(id);
    const seq = (slots[base + S.seq] ?? 0);
    Atomics.store(slots, base + S.seq, (seq + 1) | 1);
    slots[base + S.state] = 0;
    slots[base + S.hashLo] = 0;
    slots[base + S.hashHi] = 0;
    const first = (slots[base + S.first] ?? 0);
    const last = (slots[base + S.last] ?? 0);
    const n = (slots[base + S.nblocks] ?? 0);
    slots[base + S.first] = 0;
    slots[base + S.last] = 0;
    slots[base + S.flags] = 0;
    Atomics.store(slots, base + S.seq, ((seq + 1) | 1) + 1);
    if (first !== 0) this.arena.free(first, last, n);
    meta[M.entries] = (meta[M.entries] ?? 0) - 1;
    return queue;
  }

  /** True if the entry may go without a second chance (dead or past its last window). */
  private gone(id: number, now: number): boolean {
    return (this.at(id, S.flags) & FLAG_DEAD) !== 0 || (this.v.slotsF64[id * (SLOT_WORDS / 2) + S.expiresF64] ?? 0) <= now;
  }

  private evict(id: number, ghost: boolean): void {
    const { meta, ghost: g, layout } = this.v;
    if (ghost && this.policy === 's3fifo') {
      const i = ((this.at(id, S.hashLo) >>> 0) % layout.slots) * 2;
      const clock = ((meta[M.ghostClock] ?? 0) + 1) | 0;
      meta[M.ghostClock] = clock;
      g[i] = this.at(id, S.hashHi) | 1;
      g[i + 1] = clock;
    }
    this.remove(id);
    meta[M.evictions] = (meta[M.evictions] ?? 0) + 1;
  }

  /** Evicts one entry by the policy; false when both queues are empty. */
  evictOne(now: number): boolean {
    const { meta, layout } = this.v;
    for (;;) {
      const sTail = (meta[M.sTail] ?? 0);
      const mTail = (meta[M.mTail] ?? 0);
      if (sTail === 0 && mTail === 0) return false;
      if (this.policy === 'fifo') {
        this.evict((sTail || mTail) - 1, false);
        return true;
      }
      const fromSmall = sTail !== 0 && (mTail === 0 || (meta[M.sBlocks] ?? 0) > layout.blocks * SMALL_SHARE);
      const id = (fromSmall ? sTail : mTail) - 1;
      if (this.gone(id, now)) {
        this.evict(id, false);
        return true;
      }
      const freq = this.at(id, S.freq);
      if (fromSmall) {
        if (freq >= PROMOTE_AT) {
          this.unlink(id);
          this.set(id, S.freq, 0);
          this.link(id, QUEUE_MAIN);
          continue;
        }
        this.evict(id, true);
        return true;
      }
      if (freq > 0) {
        this.unlink(id);
        this.set(id, S.freq, freq - 1);
        this.link(id, QUEUE_MAIN);
        continue;
      }
      this.evict(id, false);
      return true;
    }
  }

  /** Evicts the least useful entry of the given slots (both buckets of a key are full). */
  evictAmong(ids: readonly number[], now: number): number {
    let best = -1;
    let bestScore = Infinity;
    for (const id of ids) {
      if (this.at(id, S.state) !== SLOT_LIVE) return id;
      const score = this.gone(id, now) ? -1 : this.at(id, S.freq) * 2 + (this.at(id, S.queue) === QUEUE_MAIN ? 1 : 0);
      if (score < bestScore) {
        bestScore = score;
        best = id;
      }
    }
    if (best >= 0) this.evict(best, false);
    return best;
  }

  /** Rebuilds both queues from the live slots (repair; order within a queue is lost). */
  rebuild(): void {
    const { meta, layout } = this.v;
    for (const w of [M.sHead, M.sTail, M.sBlocks, M.mHead, M.mTail, M.mBlocks, M.mEntries]) meta[w] = 0;
    for (let id = 0; id < layout.slots; id++) {
      if (this.at(id, S.state) !== SLOT_LIVE) continue;
      const queue = this.at(id, S.queue) === QUEUE_MAIN ? QUEUE_MAIN : QUEUE_SMALL;
      this.link(id, queue);
    }
  }
}
