import { randomBytes } from 'node:crypto';
import { AskrError } from '../errors.js';
import { RING_HEADER_SIZE, ringOffsets as O } from './broadcast-regions.js';
import { RingLock } from './ring-lock.js';

/** Bytes before each record's payload: u32 total length, u32 payload length, f64 sequence. */
const RECORD_HEADER = 16;
/** Written where a record would not fit before the end: readers jump to the next lap. */
const WRAP_MARKER = 0xffffffff;
const STATE_READY = 2;
const STATE_SETTING_UP = 1;

/** One record read back from the ring. */
export interface RingEntry {
  /** Ring-wide sequence number, 1-based and gap-free while nothing is lost. */
  readonly seq: number;
  readonly payload: Buffer;
}

/** A reader's position; each consumer keeps its own. */
export interface RingCursor {
  /** Logical byte position of the next record to read. */
  pos: number;
  /** Sequence number expected next; 0 when not yet known. */
  nextSeq: number;
  /** Records skipped because a writer overwrote them before they were read. */
  lost: number;
}

export interface BroadcastRingOptions {
  /** This process's pid, written into the lock word while appending. */
  readonly pid?: number;
  /** Liveness probe for lock owners (tests replace it). */
  readonly isAlive?: (pid: number) => boolean;
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * A multi-writer, multi-reader byte ring in shared memory. Positions are logical
 * (they only grow); `pos % capacity` is the physical offset. Writers serialise on
 * a breakable lock, claim their bytes in `reserved` before writing and publish
 * `head` last, so readers never see a half-written record even if the writer
 * dies. Readers take no lock: after copying a record they check that `reserved`
 * has not lapped it; if it has, the copy may be torn and the reader skips ahead.
 */
export class BroadcastRing {
  /** Data bytes (excludes the header). */
  readonly capacity: number;
  /** Random id fixed when the ring was set up; changes when shared memory is reset. */
  readonly ringId: string;
  readonly lock: RingLock;
  private readonly words: Int32Array;
  private readonly longs: BigInt64Array;
  private readonly data: Buffer;

  /**
   * Maps the ring over a region's bytes, setting it up if this is the first
   * process to see it. `capacity` must match what the region was sized for.
   */
  constructor(region: Buffer, capacity: number, options: BroadcastRingOptions = {}) {
    if (capacity % 8 !== 0 || RING_HEADER_SIZE + capacity > region.length) {
      throw new RangeError(`ring capacity ${capacity} does not fit a region of ${region.length} bytes`);
    }
    this.capacity = capacity;
    this.words = new Int32Array(region.buffer, region.byteOffset, RING_HEADER_SIZE >> 2);
    this.longs = new BigInt64Array(region.buffer, region.byteOffset, RING_HEADER_SIZE >> 3);
    this.data = region.subarray(RING_HEADER_SIZE, RING_HEADER_SIZE + capacity);
    this.lock = new RingLock(this.words, O.lockOwner >> 2, { owner: options.pid ?? process.pid, ...(options.isAlive ? { isAlive: options.isAlive } : {}) });
    this.setUp(region);
    this.ringId = region.toString('latin1', O.ringId, O.ringId + O.ringIdLength);
  }

  private setUp(region: Buffer): void {
    const stateIndex = O.state >> 2;
    if (Atomics.compareExchange(this.words, stateIndex, 0, STATE_SETTING_UP) === 0) {
      region.write(randomBytes(8).toString('hex'), O.ringId, 'latin1');
      Atomics.store(this.words, O.capacity >> 2, this.capacity);
      Atomics.store(this.longs, O.nextSeq >> 3, 1n);
      Atomics.store(this.words, stateIndex, STATE_READY);
    } else {
      // Another process is setting it up: that takes microseconds unless it died.
      const deadline = Date.now() + 1000;
      while (Atomics.load(this.words, stateIndex) !== STATE_READY) {
        if (Date.now() > deadline) throw new AskrError('ASKR_ERR_SHM', 'broadcast ring was never set up (a process died setting it up?)');
      }
    }
    if (Atomics.load(this.words, O.capacity >> 2) !== this.capacity) {
      throw new AskrError('ASKR_ERR_SHM', `broadcast ring has capacity ${Atomics.load(this.words, O.capacity >> 2)}, expected ${this.capacity}`);
    }
  }

  /** Largest payload one record may carry, in bytes. */
  get maxPayload(): number {
    return Math.floor(this.capacity / 4) - RECORD_HEADER;
  }

  /** Logical end of published records. */
  head(): number {
    return Number(Atomics.load(this.longs, O.head >> 3));
  }

  /** Logical start of the oldest intact record. */
  tail(): number {
    return Number(Atomics.load(this.longs, O.tail >> 3));
  }

  /** Sequence number the next appended record will get. */
  nextSeq(): number {
    return Number(Atomics.load(this.longs, O.nextSeq >> 3));
  }

  /**
   * Appends one record and returns its sequence number.
   * @throws RangeError when the payload is larger than `maxPayload`.
   */
  append(payload: Buffer): number {
    if (payload.length > this.maxPayload) throw new RangeError(`ring record of ${payload.length} bytes exceeds ${this.maxPayload}`);
    const need = align8(RECORD_HEADER + payload.length);
    this.lock.acquire();
    try {
      const head = this.head();
      const phys = head % this.capacity;
      const start = phys + need > this.capacity ? head + (this.capacity - phys) : head;
      const end = start + need;
      this.advanceTail(end);
      Atomics.store(this.longs, O.reserved >> 3, BigInt(end));
      if (start !== head) this.data.writeUInt32LE(WRAP_MARKER, phys);
      const at = start % this.capacity;
      const seq = this.nextSeq();
      this.data.writeUInt32LE(need, at);
      this.data.writeUInt32LE(payload.length, at + 4);
      this.data.writeDoubleLE(seq, at + 8);
      payload.copy(this.data, at + RECORD_HEADER);
      Atomics.store(this.longs, O.nextSeq >> 3, BigInt(seq + 1));
      Atomics.store(this.longs, O.head >> 3, BigInt(end));
      return seq;
    } finally {
      this.lock.release();
    }
  }

  /** Moves `tail` past every record that the bytes up to `end` will overwrite. */
  private advanceTail(end: number): void {
    let tail = this.tail();
    const head = this.head();
    while (tail < head && tail < end - this.capacity) {
      const phys = tail % this.capacity;
      const len = this.data.readUInt32LE(phys);
      tail = len === WRAP_MARKER || len === 0 ? tail + (this.capacity - phys) : tail + len;
    }
    // Every old record is gone: the oldest readable byte is the new head.
    if (tail > head) tail = head;
    Atomics.store(this.longs, O.tail >> 3, BigInt(tail));
  }

  /** A cursor at the current head: it sees only records appended from now on. */
  cursorAtHead(): RingCursor {
    return { pos: this.head(), nextSeq: this.nextSeq(), lost: 0 };
  }

  /** A cursor at the oldest record the ring still holds. */
  cursorAtTail(): RingCursor {
    return { pos: this.tail(), nextSeq: 0, lost: 0 };
  }

  /**
   * Reads every record published after the cursor, advancing it. Records
   * overwritten before they could be read are counted in `cursor.lost` and
   * skipped; the caller decides what a loss means (a replica resyncs).
   */
  read(cursor: RingCursor, max = Infinity): RingEntry[] {
    const out: RingEntry[] = [];
    let head = this.head();
    while (cursor.pos < head && out.length < max) {
      if (cursor.pos < this.tail()) this.skipToTail(cursor);
      const pos = cursor.pos;
      const phys = pos % this.capacity;
      const len = this.data.readUInt32LE(phys);
      if (len === WRAP_MARKER) {
        cursor.pos = pos + (this.capacity - phys);
        if (!this.intact(pos)) this.skipToTail(cursor);
        continue;
      }
      const payloadLength = this.data.readUInt32LE(phys + 4);
      const seq = this.data.readDoubleLE(phys + 8);
      const sane = len >= RECORD_HEADER && len % 8 === 0 && phys + len <= this.capacity && payloadLength <= len - RECORD_HEADER;
      const payload = sane ? Buffer.from(this.data.subarray(phys + RECORD_HEADER, phys + RECORD_HEADER + payloadLength)) : undefined;
      if (!payload || !this.intact(pos)) {
        this.skipToTail(cursor);
        head = this.head();
        continue;
      }
      cursor.pos = pos + len;
      if (cursor.nextSeq !== 0 && seq > cursor.nextSeq) cursor.lost += seq - cursor.nextSeq;
      cursor.nextSeq = seq + 1;
      out.push({ seq, payload });
      if (cursor.pos >= head) head = this.head();
    }
    return out;
  }

  /** True when no writer has claimed bytes that overlap a lap ahead of `pos`. */
  private intact(pos: number): boolean {
    return Number(Atomics.load(this.longs, O.reserved >> 3)) <= pos + this.capacity;
  }

  private skipToTail(cursor: RingCursor): void {
    cursor.pos = Math.max(cursor.pos, this.tail());
  }
}
