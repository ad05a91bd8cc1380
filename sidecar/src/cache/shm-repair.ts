import { BLOCK_SIZE, M, S, SLOT_LIVE, SLOT_WORDS, type CacheViews } from './cache-layout.js';
import type { ShmArena } from './shm-arena.js';
import type { ShmEviction } from './shm-eviction.js';

/**
 * Makes the store consistent again after a process died inside the writer
 * lock (the caller holds it now): slots with an odd seq (half-written) and
 * slots whose chain is broken — out of the arena, looping, sharing a block
 * with another entry, or not starting with an entry of the recorded length —
 * are cleared; the free list is rebuilt from the blocks no live slot owns, and
 * both queues from the live slots. O(slots + blocks). Readers may run
 * meanwhile: cleared slots change seq before anything else moves.
 */
export function repairStore(v: CacheViews, arena: ShmArena, eviction: ShmEviction): void {
  const { meta, slots, layout } = v;
  const owned = new Uint8Array(layout.blocks);
  let entries = 0;
  for (let id = 0; id < layout.slots; id++) {
    const base = id * SLOT_WORDS;
    const seq = slots[base + S.seq] ?? 0;
    const live = slots[base + S.state] === SLOT_LIVE;
    if (!live && (seq & 1) === 0) continue;
    const first = slots[base + S.first] ?? 0;
    const n = slots[base + S.nblocks] ?? 0;
    const length = slots[base + S.length] ?? 0;
    const ok = live && (seq & 1) === 0 && arena.chainOk(first, slots[base + S.last] ?? 0, n, owned)
      && arena.headLength(first) === length && Math.ceil(length / BLOCK_SIZE) === n;
    arena.settle(first, n, owned, ok ? 1 : 0);
    if (ok) {
      entries++;
      continue;
    }
    Atomics.store(slots, base + S.seq, (seq | 1) + 1);
    for (let w = 1; w < SLOT_WORDS; w++) slots[base + w] = 0;
  }
  meta[M.entries] = entries;
  arena.rebuild(owned);
  eviction.rebuild();
  meta[M.repairs] = (meta[M.repairs] ?? 0) + 1;
}

/** Checks every invariant of the store (the caller holds the lock): a list of problems, empty when consistent. */
export function verifyStore(v: CacheViews, arena: ShmArena): string[] {
  const problems: string[] = [];
  const { meta, slots, layout, next } = v;
  const owned = new Uint8Array(layout.blocks);
  let entries = 0;
  let used = 0;
  for (let id = 0; id < layout.slots; id++) {
    const base = id * SLOT_WORDS;
    if (((slots[base + S.seq] ?? 0) & 1) !== 0) problems.push(`slot ${id} has an odd seq`);
    if (slots[base + S.state] !== SLOT_LIVE) continue;
    entries++;
    const first = slots[base + S.first] ?? 0;
    const n = slots[base + S.nblocks] ?? 0;
    const ok = arena.chainOk(first, slots[base + S.last] ?? 0, n, owned);
    arena.settle(first, n, owned, ok ? 1 : 0);
    if (!ok) problems.push(`slot ${id} has a broken chain`);
    used += n;
  }
  if (entries !== meta[M.entries]) problems.push(`entries ${meta[M.entries] ?? 0} but ${entries} live slots`);
  if (used !== meta[M.usedBlocks]) problems.push(`usedBlocks ${meta[M.usedBlocks] ?? 0} but ${used} owned`);
  let free = 0;
  for (let b = meta[M.freeHead] ?? 0; b !== 0 && free <= layout.blocks; b = next[b - 1] ?? 0, free++) {
    if (owned[b - 1] === 1) problems.push(`free block ${b - 1} is owned`);
  }
  if (free + used !== meta[M.fresh]) problems.push(`free ${free} + used ${used} != fresh ${meta[M.fresh] ?? 0}`);
  let queued = 0;
  for (const headW of [M.sHead, M.mHead]) {
    for (let id = meta[headW] ?? 0; id !== 0 && queued <= layout.slots; id = slots[(id - 1) * SLOT_WORDS + S.older] ?? 0) queued++;
  }
  if (queued !== entries) problems.push(`queues hold ${queued} of ${entries} entries`);
  return problems;
}
