import { cacheHash, laneIndex, type KeyHash } from './cache-hash.js';
import {
  BLOCK_SIZE,
  BUCKET_WAYS,
  cacheViews,
  FLAG_DEAD,
  M,
  META_MAGIC,
  CACHE_REGION_VERSION,
  planCacheLayout,
  S,
  SLOT_LIVE,
  SLOT_WORDS,
  type CacheViews,
} from './cache-layout.js';
import type { CacheEntry, CacheStore, PutResult, StoreStats } from './cache-store.js';
import { decodeEntry, encodedLength, encodeEntry, entryKey, entryTagSlots, ENTRY_HEADER_BYTES } from './entry-codec.js';
import { ShmArena } from './shm-arena.js';
import { ShmEviction, type EvictionPolicy } from './shm-eviction.js';
import { ShmMutex, selfIdentity, ownerAlive, type ProcessIdentity } from './shm-mutex.js';
import { EntryMemo } from './entry-memo.js';
import { ShmTagTable } from './shm-tag-table.js';
import { repairStore, verifyStore } from './shm-repair.js';

export interface ShmStoreOptions {
  /** Largest encoded entry, bytes; capped to an eighth of the arena. */
  readonly maxEntryBytes: number;
  readonly eviction?: EvictionPolicy;
  /** Bytes of decoded hot entries each process keeps to serve hits without copying. */
  readonly memoBytes?: number;
  /** Lock owner identity and liveness probe (tests replace them). */
  readonly identity?: ProcessIdentity;
  readonly isAlive?: (owner: ProcessIdentity) => boolean;
}

/** Share of slots the index may fill before the policy evicts for a slot, not bytes. */
const MAX_LOAD = 0.9;
const arm64 = process.arch !== 'x64' && process.arch !== 'ia32';

/**
 * The response cache in the shared-memory region: entries in chained 1 KiB
 * blocks, a 2-choice 8-way index of 64-byte slots, S3-FIFO eviction, and the
 * tag table. Readers take no lock (seqlock per slot); writers take one
 * owner-recording mutex and repair the store when they take it over from a
 * dead process. See docs/design/0002-response-cache.md.
 */
export class ShmStore implements CacheStore {
  readonly maxEntryBytes: number;
  readonly views: CacheViews;
  readonly mutex: ShmMutex;
  readonly tags: ShmTagTable;
  private readonly arena: ShmArena;
  private readonly eviction: ShmEviction;
  private readonly memo: EntryMemo;
  private readonly maxEntries: number;

  constructor(region: Buffer, options: ShmStoreOptions) {
    const layout = planCacheLayout(region.byteLength);
    this.views = cacheViews(region, layout);
    this.maxEntryBytes = Math.min(options.maxEntryBytes, Math.floor((layout.blocks * BLOCK_SIZE) / 8));
    this.mutex = new ShmMutex(this.views.meta, this.views.metaF64, options.identity ?? selfIdentity(), options.isAlive ?? ownerAlive);
    this.tags = new ShmTagTable(this.views);
    this.arena = new ShmArena(this.views);
    this.eviction = new ShmEviction(this.views, this.arena, options.eviction ?? 's3fifo');
    this.memo = new EntryMemo(options.memoBytes ?? 32 * 1024 * 1024);
    this.maxEntries = Math.floor(layout.slots * MAX_LOAD);
    const meta = this.views.meta;
    if (Atomics.compareExchange(meta, M.magic, 0, META_MAGIC) === 0) Atomics.store(meta, M.version, CACHE_REGION_VERSION);
  }

  forgetSequence(): number {
    return this.tags.sequence();
  }

  forgetTags(tags: readonly string[]): number {
    return this.tags.forget(tags);
  }

  forgetAll(): number {
    return this.tags.forgetAll();
  }

  hold(): number {
    return this.tags.hold();
  }

  release(): void {
    this.tags.release();
  }

  private bucketsOf(h: KeyHash): [number, number] {
    const n = this.views.layout.buckets;
    const b1 = laneIndex(h.lo, n);
    let b2 = laneIndex(h.hi, n);
    if (b2 === b1) b2 = (b1 + 1) % n;
    return [b1, b2];
  }

  get(key: string, now: number): CacheEntry | undefined {
    const h = cacheHash(key);
    const { slots } = this.views;
    for (const bucket of this.bucketsOf(h)) {
      for (let w = 0; w < BUCKET_WAYS; w++) {
        const id = bucket * BUCKET_WAYS + w;
        const base = id * SLOT_WORDS;
        if (slots[base + S.hashLo] !== h.lo || slots[base + S.hashHi] !== h.hi) continue;
        const found = this.read(id, key);
        if (!found) continue;
        const { entry, born } = found;
        if (now >= Math.max(entry.staleUntil, entry.errorUntil)) return undefined;
        if (!this.tags.valid(found.tagSlots, born)) {
          Atomics.or(slots, base + S.flags, FLAG_DEAD);
          return undefined;
        }
        if (this.tags.held(born)) return undefined;
        const f = (slots[base + S.freq] ?? 0);
        // Stop writing the shared line once the counter saturates.
        if (f < 3) Atomics.store(slots, base + S.freq, f + 1);
        return entry;
      }
    }
    return undefined;
  }

  /** Reads slot `id` consistently (seqlock), through the per-process memo. */
  private read(id: number, key: string): { entry: CacheEntry; tagSlots: Uint32Array; born: bigint } | undefined {
    const { slots } = this.views;
    const base = id * SLOT_WORDS;
    for (let attempt = 0; attempt < 2; attempt++) {
      const s1 = Atomics.load(slots, base + S.seq);
      if ((s1 & 1) !== 0 || slots[base + S.state] !== SLOT_LIVE) return undefined;
      const memo = this.memo.get(id, s1);
      if (memo) return memo.entry.key === key ? memo : undefined;
      const length = (slots[base + S.length] ?? 0);
      const bytes = length > 0 && length <= this.maxEntryBytes ? this.arena.read((slots[base + S.first] ?? 0), length) : undefined;
      // On arm64 plain loads may pass an acquire load; an RMW orders them.
      const s2 = arm64 ? Atomics.add(slots, base + S.seq, 0) : Atomics.load(slots, base + S.seq);
      if (s1 !== s2) continue;
      if (!bytes || encodedLength(bytes) !== length || entryKey(bytes) !== key) return undefined;
      const entry = decodeEntry(bytes);
      const found = { entry, tagSlots: entryTagSlots(bytes), born: BigInt(entry.bornSeq) };
      this.memo.set(id, s1, found, length);
      return found;
    }
    return undefined;
  }

  /** Finds the slot holding `key` (lock held). */
  private find(h: KeyHash, key: string): number {
    const { slots } = this.views;
    for (const bucket of this.bucketsOf(h)) {
      for (let w = 0; w < BUCKET_WAYS; w++) {
        const id = bucket * BUCKET_WAYS + w;
        const base = id * SLOT_WORDS;
        if (slots[base + S.state] !== SLOT_LIVE || slots[base + S.hashLo] !== h.lo || slots[base + S.hashHi] !== h.hi) continue;
        if (this.keyOf(id) === key) return id;
      }
    }
    return -1;
  }

  /** The key stored in slot `id`, reading only the blob's head (lock held). */
  private keyOf(id: number): string | undefined {
    const { slots } = this.views;
    const base = id * SLOT_WORDS;
    const first = (slots[base + S.first] ?? 0);
    const length = (slots[base + S.length] ?? 0);
    const head = this.arena.read(first, Math.min(length, ENTRY_HEADER_BYTES));
    if (!head || encodedLength(head) !== length) return undefined;
    const keyEnd = ENTRY_HEADER_BYTES + head.readUInt32LE(16) * 4 + head.readUInt32LE(12);
    const withKey = this.arena.read(first, Math.min(length, keyEnd));
    return withKey ? entryKey(withKey) : undefined;
  }

  /** Takes the lock; on a dead owner, repairs first. false when busy. */
  private lock(): boolean {
    const r = this.mutex.tryAcquire();
    if (r === 'busy') return false;
    if (r === 'recovered') this.repairLocked();
    return true;
  }

  put(entry: CacheEntry, now: number): PutResult {
    const born = BigInt(entry.bornSeq);
    const bytes = encodeEntry(entry, (t) => this.tags.slotOf(t));
    if (!this.tags.valid(entryTagSlots(bytes), born)) return 'forgotten';
    if (bytes.length > this.maxEntryBytes) return 'too-large';
    const n = Math.ceil(bytes.length / BLOCK_SIZE);
    const h = cacheHash(entry.key);
    if (!this.lock()) return 'busy';
    try {
      const { meta, slots, slotsF64 } = this.views;
      let queue = 0;
      const old = this.find(h, entry.key);
      if (old >= 0) queue = this.eviction.remove(old);
      while (this.arena.freeBlocks() < n || (meta[M.entries] ?? 0) >= this.maxEntries) {
        if (!this.eviction.evictOne(now)) return 'too-large';
      }
      const id = this.freeSlot(h, now);
      if (id < 0) return 'too-large';
      const [first, last] = this.arena.alloc(n);
      this.arena.write(first, bytes);
      const base = id * SLOT_WORDS;
      const seq = (slots[base + S.seq] ?? 0);
      Atomics.store(slots, base + S.seq, (seq + 1) | 1);
      slots[base + S.state] = SLOT_LIVE;
      slots[base + S.hashLo] = h.lo;
      slots[base + S.hashHi] = h.hi;
      slots[base + S.first] = first;
      slots[base + S.last] = last;
      slots[base + S.length] = bytes.length;
      slots[base + S.nblocks] = n;
      slots[base + S.freq] = 0;
      slots[base + S.flags] = 0;
      slotsF64[id * (SLOT_WORDS / 2) + S.expiresF64] = Math.max(entry.staleUntil, entry.errorUntil);
      Atomics.store(slots, base + S.seq, ((seq + 1) | 1) + 1);
      meta[M.entries] = (meta[M.entries] ?? 0) + 1;
      this.eviction.link(id, queue !== 0 ? queue : this.eviction.admitQueue(h.lo, h.hi));
      return 'stored';
    } finally {
      this.mutex.release();
    }
  }

  /** A free slot in the key's two buckets (the emptier first), evicting within them if both are full. */
  private freeSlot(h: KeyHash, now: number): number {
    const { slots } = this.views;
    const candidates: number[] = [];
    for (const bucket of this.bucketsOf(h)) {
      for (let w = 0; w < BUCKET_WAYS; w++) {
        const id = bucket * BUCKET_WAYS + w;
        if (slots[id * SLOT_WORDS + S.state] !== SLOT_LIVE) return id;
        candidates.push(id);
      }
    }
    return this.eviction.evictAmong(candidates, now);
  }

  delete(key: string): boolean {
    const h = cacheHash(key);
    if (!this.lock()) return false;
    try {
      const id = this.find(h, key);
      if (id < 0) return false;
      this.eviction.remove(id);
      return true;
    } finally {
      this.mutex.release();
    }
  }

  stats(): StoreStats {
    const { meta, layout } = this.views;
    return {
      entries: (meta[M.entries] ?? 0),
      bytesUsed: (meta[M.usedBlocks] ?? 0) * BLOCK_SIZE,
      capacityBytes: layout.blocks * BLOCK_SIZE,
      evictions: (meta[M.evictions] ?? 0),
    };
  }

  /** Times any process repaired the store after a death (shared counter). */
  repairs(): number {
    return (this.views.meta[M.repairs] ?? 0);
  }

  /**
   * Makes the store consistent again (lock held): clears half-written slots and
   * slots whose chain is broken, rebuilds the free list and both queues.
   * Runs after taking the lock from a dead owner.
   */
  repairLocked(): void {
    repairStore(this.views, this.arena, this.eviction);
  }

  /** Runs repair under the lock (a restarted sidecar reusing the file). false when busy. */
  repair(): boolean {
    const r = this.mutex.tryAcquire();
    if (r === 'busy') return false;
    try {
      this.repairLocked();
      return true;
    } finally {
      this.mutex.release();
    }
  }

  /** Checks the invariants (tests): a list of problems, empty when consistent. */
  verify(): string[] {
    if (!this.lock()) return ['lock busy'];
    try {
      return verifyStore(this.views, this.arena);
    } finally {
      this.mutex.release();
    }
  }
}
