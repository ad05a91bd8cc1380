import type { CacheEntry, CacheStore, PutResult, StoreStats } from './cache-store.js';
import { encodeEntry } from './entry-codec.js';

export interface MemoryStoreOptions {
  /** Total bytes of encoded entries kept. */
  readonly capacityBytes: number;
  /** Largest encoded entry, bytes. */
  readonly maxEntryBytes: number;
}

/**
 * The reference store: one process, a Map in LRU order, tags as exact names.
 * It defines what the shared-memory store must do (both pass the same
 * contract suite) and serves as the LRU baseline in the eviction benchmark.
 */
export class MemoryStore implements CacheStore {
  readonly maxEntryBytes: number;
  private readonly capacityBytes: number;
  private readonly entries = new Map<string, { entry: CacheEntry; bytes: number }>();
  private readonly lastForget = new Map<string, number>();
  private seq = 0;
  private allSeq = 0;
  private holdSeq = 0;
  private used = 0;
  private evictions = 0;

  constructor(options: MemoryStoreOptions) {
    this.capacityBytes = options.capacityBytes;
    this.maxEntryBytes = Math.min(options.maxEntryBytes, options.capacityBytes);
  }

  forgetSequence(): number {
    return this.seq;
  }

  forgetTags(tags: readonly string[]): number {
    this.seq++;
    for (const t of tags) this.lastForget.set(t, this.seq);
    return this.seq;
  }

  forgetAll(): number {
    this.allSeq = ++this.seq;
    return this.seq;
  }

  hold(): number {
    this.holdSeq = ++this.seq;
    return this.seq;
  }

  release(): void {
    this.holdSeq = 0;
  }

  private valid(entry: CacheEntry): boolean {
    return this.allSeq <= entry.bornSeq && entry.tags.every((t) => (this.lastForget.get(t) ?? 0) <= entry.bornSeq);
  }

  get(key: string, now: number): CacheEntry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now >= Math.max(e.entry.staleUntil, e.entry.errorUntil) || !this.valid(e.entry)) {
      this.remove(key);
      return undefined;
    }
    if (this.holdSeq > e.entry.bornSeq) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.entry;
  }

  put(entry: CacheEntry, _now: number): PutResult {
    if (!this.valid(entry)) return 'forgotten';
    const bytes = encodeEntry(entry, () => 0).length;
    if (bytes > this.maxEntryBytes) return 'too-large';
    this.remove(entry.key);
    for (const key of this.entries.keys()) {
      if (this.used + bytes <= this.capacityBytes) break;
      this.remove(key);
      this.evictions++;
    }
    const frozen = Object.freeze({ ...entry, body: Buffer.from(entry.body), headers: Object.freeze({ ...entry.headers }), tags: Object.freeze([...entry.tags]) });
    this.entries.set(entry.key, { entry: frozen, bytes });
    this.used += bytes;
    return 'stored';
  }

  delete(key: string): boolean {
    return this.remove(key);
  }

  private remove(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    this.entries.delete(key);
    this.used -= e.bytes;
    return true;
  }

  stats(): StoreStats {
    return { entries: this.entries.size, bytesUsed: this.used, capacityBytes: this.capacityBytes, evictions: this.evictions };
  }
}
