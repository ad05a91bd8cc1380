import { BroadcastRing, type RingCursor } from '../broadcast/broadcast-ring.js';
import { encodeRecord, decodeRecord, type RingRecord, type SnapSub } from '../broadcast/ring-record.js';
import { ChannelReplica } from '../pusher/channel-replica.js';
import type { OriginState } from './peer-messages.js';
import type { RingSignals } from './ring-signals.js';

/** Receives each record of one of this pod's front processes, with its ring sequence. */
export type LocalRecordListener = (seq: number, record: RingRecord) => void;

/** Subscriptions per snapshot record, as the front processes split theirs. */
const SNAP_PART = 500;
/** Safety-net poll of the ring head, ms (wake-ups normally arrive first). */
const POLL_MS = 50;

/**
 * The supervisor's end of the broadcast ring. It is not a front process (no
 * slot, no bus of its own): it reads the ring with its own cursor, keeps its own
 * replica of every subscription (the whole app's, once peers inject theirs),
 * tells listeners about records of this pod's front processes, and appends
 * records from peers with their origins kept, waking the front processes.
 */
export class RingTap {
  readonly replica: ChannelReplica;
  private readonly ring: BroadcastRing;
  private readonly signals: RingSignals;
  private readonly cursor: RingCursor;
  private readonly origins = new Set<string>();
  private readonly listeners = new Set<LocalRecordListener>();
  private position = 0;
  private scheduled = false;
  private wakePending = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private snapCounter = 0;
  /** Records skipped because the tap fell a whole ring behind (each loss triggers snapshots). */
  lost = 0;

  /** @param memberLimit distinct users per presence channel of an app, as the front processes apply it. */
  constructor(ring: BroadcastRing, signals: RingSignals, memberLimit: (app: string) => number) {
    this.ring = ring;
    this.signals = signals;
    this.replica = new ChannelReplica(memberLimit);
    // From the head: the tap starts before the front processes, so it sees all they write.
    this.cursor = ring.cursorAtHead();
    this.position = this.cursor.nextSeq - 1;
  }

  /** Random id of the ring: the prefix of this pod's origins. */
  get ringId(): string {
    return this.ring.ringId;
  }

  /** Ring sequence of the last record the tap applied. */
  get seq(): number {
    return this.position;
  }

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.signals.onAppend(() => { this.schedule(); });
    this.timer = setInterval(() => {
      if (this.ring.head() !== this.cursor.pos) this.drain();
    }, POLL_MS);
    this.timer.unref();
    this.drain();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
  }

  /** Adds a listener for records of this pod's front processes; returns its remover. */
  onLocal(listener: LocalRecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether an origin is one of this pod's front processes. */
  isLocal(origin: string): boolean {
    return origin.startsWith(`${this.ring.ringId}/`);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Applies every record appended since the last drain, in ring order. */
  drain(): void {
    const lostBefore = this.cursor.lost;
    for (const entry of this.ring.read(this.cursor)) {
      const record = decodeRecord(entry.payload);
      this.position = entry.seq;
      if (!record) continue;
      this.track(record);
      this.replica.apply(record);
      if (this.isLocal(record.o) && (record.t !== 'gone' || this.isLocal(record.origin))) {
        for (const l of this.listeners) l(entry.seq, record);
      }
    }
    if (this.cursor.lost !== lostBefore) {
      this.lost += this.cursor.lost - lostBefore;
      // The replica missed records: the front processes' snapshots repair it (and reach the peers).
      this.signals.requestSnapshots();
    }
  }

  private track(record: RingRecord): void {
    if (record.t === 'gone') this.origins.delete(record.origin);
    else if (record.t === 'sub' || record.t === 'snap') this.origins.add(record.o);
  }

  /**
   * Appends a record from a peer as it is (origin and sequence kept) and wakes
   * the front processes — once per turn of the event loop, however many
   * records a frame carried.
   */
  inject(record: RingRecord): void {
    this.ring.append(encodeRecord(record));
    this.drain();
    if (this.wakePending) return;
    this.wakePending = true;
    queueMicrotask(() => {
      this.wakePending = false;
      this.signals.wake();
    });
  }

  /** Origins whose id starts with `${ring}/` (one pod's front processes) that hold or held subscriptions. */
  originsOf(ring: string): string[] {
    const prefix = `${ring}/`;
    return [...this.origins].filter((o) => o.startsWith(prefix));
  }

  /** This pod's subscriptions per origin, as of `seq` (call `drain()` first for a current one). */
  localState(): OriginState[] {
    return this.originsOf(this.ring.ringId).map((origin) => ({ origin, subs: this.replica.subsOf(origin) }));
  }

  /**
   * Replaces everything known about one peer pod's origins with `state`:
   * each listed origin gets a snapshot, every other origin of that pod is gone.
   * The records speak for the peer's origins, so they are never forwarded.
   */
  replaceOrigins(ring: string, state: readonly OriginState[]): void {
    const listed = new Set(state.map((s) => s.origin));
    for (const origin of this.originsOf(ring)) {
      if (!listed.has(origin)) this.inject({ t: 'gone', origin, o: origin, n: 0 });
    }
    for (const { origin, subs } of state) {
      const id = `${origin}#peer.${++this.snapCounter}`;
      for (let i = 0; i === 0 || i < subs.length; i += SNAP_PART) {
        const part: SnapSub[] = subs.slice(i, i + SNAP_PART);
        this.inject({ t: 'snap', id, subs: part, last: i + SNAP_PART >= subs.length, o: origin, n: 0 });
      }
    }
  }

  /** A peer pod is lost: every origin of it is gone (its members leave everywhere in this pod). */
  dropOrigins(ring: string): number {
    const origins = this.originsOf(ring);
    for (const origin of origins) this.inject({ t: 'gone', origin, o: origin, n: 0 });
    return origins.length;
  }

  /** Sequence of the oldest record still in the ring (0: none). */
  oldestSeq(): number {
    return this.ring.read(this.ring.cursorAtTail(), 1)[0]?.seq ?? 0;
  }

  /**
   * This pod's own records after `after` up to `upTo`, or undefined when the
   * ring no longer holds all of them (then the peer needs the state).
   */
  localRecords(after: number, upTo: number): { seq: number; record: RingRecord }[] | undefined {
    if (after >= upTo) return [];
    const cursor = this.ring.cursorAtTail();
    const entries = this.ring.read(cursor);
    const first = entries[0]?.seq ?? Infinity;
    if (cursor.lost > 0 || first > after + 1) return undefined;
    const out: { seq: number; record: RingRecord }[] = [];
    for (const e of entries) {
      if (e.seq <= after || e.seq > upTo) continue;
      const record = decodeRecord(e.payload);
      if (record && this.isLocal(record.o) && (record.t !== 'gone' || this.isLocal(record.origin))) out.push({ seq: e.seq, record });
    }
    return out;
  }
}
