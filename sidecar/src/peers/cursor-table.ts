/** A peer's forget log as this pod follows it. */
export interface LogCursor {
  /** The peer's forget-log id. */
  readonly id: string;
  /** Last sequence of that log applied to this pod's cache. */
  readonly seq: number;
  /** Whether a link from that peer was up (or only briefly down) when this was last written. */
  readonly live: boolean;
  /** When this was last written, ms since the epoch. */
  readonly updatedAt: number;
}

const SLOTS = 64;
const SLOT_BYTES = 64;
const ID_BYTES = 32;
const SEQ = 32;
const UPDATED = 40;
const LIVE = 48;

/**
 * The forget-log cursors of this pod's peers, in shared memory next to the
 * cache they protect, so a sidecar restarted with its cache resumes every
 * peer's invalidations exactly where it stopped. 64 slots of 64 bytes: id
 * (ASCII, zero-padded), last applied sequence (f64), updated-at (f64), live
 * flag. Written only by the supervisor. A new id takes a free slot or the
 * least recently updated one; losing a cursor only costs that peer a
 * forget-all on its next link, never a missed invalidation.
 */
export class CursorTable {
  private readonly bytes: Buffer;

  constructor(region: Buffer) {
    if (region.length < SLOTS * SLOT_BYTES) throw new RangeError('cursor table region too small');
    this.bytes = region;
  }

  private idAt(slot: number): string {
    const base = slot * SLOT_BYTES;
    const end = this.bytes.indexOf(0, base);
    return this.bytes.toString('latin1', base, end === -1 || end > base + ID_BYTES ? base + ID_BYTES : end);
  }

  private slotOf(id: string): number {
    for (let i = 0; i < SLOTS; i++) if (this.idAt(i) === id) return i;
    return -1;
  }

  private read(slot: number): LogCursor {
    const base = slot * SLOT_BYTES;
    return {
      id: this.idAt(slot),
      seq: this.bytes.readDoubleLE(base + SEQ),
      updatedAt: this.bytes.readDoubleLE(base + UPDATED),
      live: this.bytes.readUInt32LE(base + LIVE) === 1,
    };
  }

  /** The cursor for a forget-log id, if this pod follows it. */
  get(id: string): LogCursor | undefined {
    const slot = this.slotOf(id);
    return slot === -1 ? undefined : this.read(slot);
  }

  /** Every cursor held. */
  all(): LogCursor[] {
    const out: LogCursor[] = [];
    for (let i = 0; i < SLOTS; i++) if (this.idAt(i) !== '') out.push(this.read(i));
    return out;
  }

  /** Records that `seq` of log `id` was applied (and that its peer is live). */
  set(id: string, seq: number, now: number): void {
    if (id === '' || Buffer.byteLength(id, 'latin1') > ID_BYTES) throw new RangeError(`bad forget-log id ${JSON.stringify(id)}`);
    let slot = this.slotOf(id);
    if (slot === -1) slot = this.claim(id);
    const base = slot * SLOT_BYTES;
    this.bytes.writeDoubleLE(seq, base + SEQ);
    this.bytes.writeDoubleLE(now, base + UPDATED);
    this.bytes.writeUInt32LE(1, base + LIVE);
  }

  /** Marks a followed peer live or not (a peer lost or gone cleanly is not waited for after a restart). */
  setLive(id: string, live: boolean, now: number): void {
    const slot = this.slotOf(id);
    if (slot === -1) return;
    const base = slot * SLOT_BYTES;
    this.bytes.writeUInt32LE(live ? 1 : 0, base + LIVE);
    this.bytes.writeDoubleLE(now, base + UPDATED);
  }

  private claim(id: string): number {
    let slot = -1;
    let oldest = Infinity;
    for (let i = 0; i < SLOTS; i++) {
      if (this.idAt(i) === '') {
        slot = i;
        break;
      }
      const at = this.bytes.readDoubleLE(i * SLOT_BYTES + UPDATED);
      if (at < oldest) {
        oldest = at;
        slot = i;
      }
    }
    const base = slot * SLOT_BYTES;
    // Clear the id first and write it last: a process killed mid-way leaves a free slot, never a wrong cursor.
    this.bytes.fill(0, base, base + SLOT_BYTES);
    this.bytes.writeDoubleLE(0, base + SEQ);
    this.bytes.write(id, base, ID_BYTES, 'latin1');
    return slot;
  }
}
