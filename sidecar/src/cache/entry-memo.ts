import type { CacheEntry } from './cache-store.js';

/** A decoded entry with what a hit needs to validate it. */
export interface MemoEntry {
  readonly entry: CacheEntry;
  readonly tagSlots: Uint32Array;
  readonly born: bigint;
}

/**
 * Decoded entries this process served recently, keyed by (slot, seq). A slot's
 * seq changes whenever its entry is replaced or evicted, so a matching seq
 * proves the memo holds exactly the bytes in shared memory: a hot hit then
 * costs a seq check and a tag check, with no copy and no parse. Bounded by
 * bytes, oldest first out.
 */
export class EntryMemo {
  private readonly maxBytes: number;
  private readonly map = new Map<number, { seq: number; value: MemoEntry; bytes: number }>();
  private bytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(slot: number, seq: number): MemoEntry | undefined {
    const m = this.map.get(slot);
    return m?.seq === seq ? m.value : undefined;
  }

  set(slot: number, seq: number, value: MemoEntry, bytes: number): void {
    if (bytes > this.maxBytes / 4) return;
    const old = this.map.get(slot);
    if (old) {
      this.bytes -= old.bytes;
      this.map.delete(slot);
    }
    this.map.set(slot, { seq, value, bytes });
    this.bytes += bytes;
    for (const [k, m] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= m.bytes;
    }
  }
}
