import { BroadcastRing, type RingCursor } from '../broadcast/broadcast-ring.js';
import type { ShmRegion } from '../shm/shm-region.js';
import { peerRegionParts } from './peer-region.js';

/** One invalidation in the log: the tags forgotten (a purge is its URL's implicit tag). */
export interface ForgetEntry {
  readonly seq: number;
  readonly tags: readonly string[];
}

function decode(payload: Buffer): string[] | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { tags?: unknown };
    return Array.isArray(v.tags) && v.tags.every((t) => typeof t === 'string') ? v.tags : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This pod's tag invalidations, in order, in shared memory: a ring of the
 * broadcast ring's format whose sequence numbers are the forget sequence the
 * peers follow. Any process appends (front processes for
 * askr_cache_forget_tag, the supervisor for the admin API); the supervisor
 * reads it to stream it to peers and replays it to a peer that reconnects.
 * It survives a sidecar restart, so a peer that was cut off catches up from
 * where it stopped as long as the ring still holds that far back.
 */
export class ForgetLog {
  private readonly ring: BroadcastRing;
  private readonly live: RingCursor;

  constructor(region: Buffer, capacity: number) {
    this.ring = new BroadcastRing(region, capacity);
    this.live = this.ring.cursorAtHead();
  }

  /** Opens the log in a mapped file laid out with `peerRegions(config)`; undefined when it has none. */
  static open(shm: ShmRegion): ForgetLog | undefined {
    const parts = peerRegionParts(shm);
    return parts ? new ForgetLog(parts.log, parts.logCapacity) : undefined;
  }

  /** Random id of this log, fixed when the shared memory was set up. */
  get id(): string {
    return this.ring.ringId;
  }

  /** Appends one invalidation; returns its sequence. Tags too many for one record are split. */
  append(tags: readonly string[]): number {
    let seq = 0;
    let part: string[] = [];
    let bytes = 16;
    const flush = (): void => {
      if (part.length > 0) seq = this.ring.append(Buffer.from(JSON.stringify({ tags: part }), 'utf8'));
      part = [];
      bytes = 16;
    };
    for (const tag of tags) {
      const size = Buffer.byteLength(tag) * 2 + 4;
      if (bytes + size > this.ring.maxPayload) flush();
      part.push(tag);
      bytes += size;
    }
    flush();
    return seq;
  }

  /** Sequence of the last appended invalidation (0: none yet). */
  head(): number {
    return this.ring.nextSeq() - 1;
  }

  /** Sequence of the oldest invalidation still held (0: none). */
  oldest(): number {
    return this.ring.read(this.ring.cursorAtTail(), 1)[0]?.seq ?? 0;
  }

  /** Invalidations appended since the last call (for live streaming). */
  poll(): ForgetEntry[] {
    return this.collect(this.live);
  }

  /** True when invalidations were appended since the last `poll` (one atomic load). */
  pending(): boolean {
    return this.ring.head() !== this.live.pos;
  }

  /**
   * The invalidations after `after` up to `upTo`, or undefined when the log no
   * longer holds all of them (a writer lapped the reader meanwhile).
   */
  since(after: number, upTo: number): ForgetEntry[] | undefined {
    if (after >= upTo) return [];
    const cursor = this.ring.cursorAtTail();
    const out = this.collect(cursor).filter((e) => e.seq > after && e.seq <= upTo);
    if (cursor.lost > 0 || out[0]?.seq !== after + 1) return undefined;
    return out;
  }

  private collect(cursor: RingCursor): ForgetEntry[] {
    const out: ForgetEntry[] = [];
    for (const e of this.ring.read(cursor)) {
      const tags = decode(e.payload);
      // An undecodable record still takes its sequence: deliver it as "no tags" so the stream stays gap-free.
      out.push({ seq: e.seq, tags: tags ?? [] });
    }
    return out;
  }
}
