import type { FrontBus } from '../ipc/front-bus.js';
import type { BroadcastRing, RingCursor } from './broadcast-ring.js';
import type { ProcSlot, ProcTable } from './proc-table.js';
import { decodeRecord, encodeRecord, type RecordBody, type RingRecord } from './ring-record.js';

/** Bus topics: a wake-up after appends, and a request for snapshots. */
export const WAKE_TOPIC = 'askr.ring.wake';
export const SYNC_TOPIC = 'askr.ring.sync';

/** Receives every record in ring order, local and remote alike. */
export type RecordListener = (record: RingRecord, seq: number) => void;

export interface BroadcastHubOptions {
  readonly ring: BroadcastRing;
  readonly procs: ProcTable;
  readonly bus: FrontBus;
  /** Safety-net poll of the ring head, ms (wake-ups normally arrive first). */
  readonly pollMs?: number;
  /** Heartbeat and dead-process sweep period, ms. */
  readonly heartbeatMs?: number;
  /** Longest wait for other processes' snapshots at start, ms. */
  readonly syncTimeoutMs?: number;
  readonly pid?: number;
  readonly now?: () => number;
}

/** Hub statistics, exported as metrics by the services. */
export interface HubStats {
  appended: number;
  applied: number;
  lost: number;
  wakeups: number;
  deadProcesses: number;
}

/**
 * This process's end of the broadcast ring. `publish` appends a record, applies
 * it here at once (listeners run synchronously, in ring order with everything
 * before it) and wakes the other front processes through the bus; they drain on
 * the wake-up, or on the safety poll. The hub also keeps this process's slot in
 * the process table, reports dead processes with `gone` records, and runs the
 * snapshot exchange that lets a (re)started process learn what the others hold.
 *
 * Seam for cross-pod forwarding: `observe` sees every record (a forwarder
 * relays those whose origin is in this pod) and `inject` appends a remote
 * record, keeping its origin and sequence and dropping duplicates.
 */
export class BroadcastHub {
  readonly ring: BroadcastRing;
  readonly stats: HubStats = { appended: 0, applied: 0, lost: 0, wakeups: 0, deadProcesses: 0 };
  private readonly procs: ProcTable;
  private readonly bus: FrontBus;
  private readonly opts: Required<Pick<BroadcastHubOptions, 'pollMs' | 'heartbeatMs' | 'syncTimeoutMs' | 'pid' | 'now'>>;
  private readonly listeners = new Set<RecordListener>();
  private readonly lossListeners = new Set<() => void>();
  private snapshotProvider: (() => RecordBody[]) | undefined;
  private cursor: RingCursor;
  private incarnation = 0;
  private originSeq = 0;
  private draining = false;
  private drainAgain = false;
  private wakePending = false;
  private readonly lastSeenRemote = new Map<string, number>();
  private awaiting = new Set<string>();
  private syncDone: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribers: (() => void)[] = [];
  private started = false;
  /** Resolves once the other processes' snapshots arrived (or the wait timed out). */
  ready: Promise<void> = Promise.resolve();

  constructor(options: BroadcastHubOptions) {
    this.ring = options.ring;
    this.procs = options.procs;
    this.bus = options.bus;
    this.opts = {
      pollMs: options.pollMs ?? 50,
      heartbeatMs: options.heartbeatMs ?? 1000,
      syncTimeoutMs: options.syncTimeoutMs ?? 2000,
      pid: options.pid ?? process.pid,
      now: options.now ?? Date.now,
    };
    this.cursor = this.ring.cursorAtHead();
  }

  /** `<ring id>/<proc index>.<incarnation>`: unique per process lifetime, pod-wide. */
  get origin(): string {
    return this.originOf(this.bus.procIndex, this.incarnation);
  }

  private originOf(procIndex: number, incarnation: number): string {
    return `${this.ring.ringId}/${procIndex}.${incarnation}`;
  }

  /**
   * Claims this process's slot, reports a previous incarnation that died
   * without leaving, starts the wake-up, poll and heartbeat, and asks the
   * other live processes for snapshots (`ready` resolves when they answered).
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { incarnation, previous } = this.procs.claim(this.bus.procIndex, this.opts.pid, this.opts.now());
    this.incarnation = incarnation;
    this.cursor = this.ring.cursorAtHead();
    if (previous) this.publish({ t: 'gone', origin: this.originOf(previous.procIndex, previous.incarnation) });
    this.unsubscribers.push(
      this.bus.subscribe(WAKE_TOPIC, () => {
        this.stats.wakeups++;
        this.drain();
      }),
      this.bus.subscribe(SYNC_TOPIC, () => {
        this.sendSnapshot();
      }),
    );
    const poll = setInterval(() => {
      if (this.ring.head() !== this.cursor.pos) this.drain();
    }, this.opts.pollMs);
    const beat = setInterval(() => {
      this.heartbeat();
    }, this.opts.heartbeatMs);
    poll.unref();
    beat.unref();
    this.timers.push(poll, beat);
    this.requestSnapshots();
  }

  /** Stops timers, reports this origin gone (its subscriptions end everywhere) and frees the slot. */
  close(): void {
    if (!this.started) return;
    this.started = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const u of this.unsubscribers) u();
    this.unsubscribers = [];
    this.publish({ t: 'gone', origin: this.origin });
    this.flushWake();
    this.procs.release(this.bus.procIndex, this.incarnation);
    this.syncDone?.();
  }

  /** Adds a listener for every record from now on; returns its remover. */
  subscribe(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called after records were lost (this process fell a whole ring behind). */
  onLoss(listener: () => void): () => void {
    this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
  }

  /** Supplies the records describing this process's state, sent when another process asks. */
  provideSnapshot(provider: () => RecordBody[]): void {
    this.snapshotProvider = provider;
  }

  /** Appends a record from this process and applies it here before returning its ring sequence. */
  publish(body: RecordBody): number {
    const record = { ...body, o: this.origin, n: ++this.originSeq } as RingRecord;
    return this.append(record);
  }

  /**
   * Appends a record relayed from another pod, keeping its origin and sequence.
   * Returns 0 (and appends nothing) for a record this process has already seen.
   */
  inject(record: RingRecord): number {
    const last = this.lastSeenRemote.get(record.o) ?? 0;
    if (record.n <= last) return 0;
    return this.append(record);
  }

  /** Every record this process applies, for a forwarder; same as `subscribe`. */
  observe(listener: RecordListener): () => void {
    return this.subscribe(listener);
  }

  private append(record: RingRecord): number {
    const seq = this.ring.append(encodeRecord(record));
    this.stats.appended++;
    this.drain();
    this.scheduleWake();
    return seq;
  }

  /** Applies every record published since the last drain, in order. Re-entrant calls fold into the running one. */
  drain(): void {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        const lostBefore = this.cursor.lost;
        for (const entry of this.ring.read(this.cursor)) {
          const record = decodeRecord(entry.payload);
          if (!record) continue;
          this.stats.applied++;
          if (record.n > (this.lastSeenRemote.get(record.o) ?? 0)) this.lastSeenRemote.set(record.o, record.n);
          this.track(record);
          for (const l of this.listeners) l(record, entry.seq);
        }
        if (this.cursor.lost !== lostBefore) {
          this.stats.lost += this.cursor.lost - lostBefore;
          for (const l of this.lossListeners) l();
          this.requestSnapshots();
        }
      } while (this.again());
    } finally {
      this.draining = false;
    }
  }

  /** Whether a listener asked for another pass while the last one ran. */
  private again(): boolean {
    return this.drainAgain;
  }

  /** Reads records still in the ring with a sequence above `afterSeq` (for SSE resume). */
  replay(afterSeq: number): { seq: number; record: RingRecord }[] {
    const cursor = this.ring.cursorAtTail();
    const out: { seq: number; record: RingRecord }[] = [];
    for (const e of this.ring.read(cursor)) {
      if (e.seq <= afterSeq) continue;
      const record = decodeRecord(e.payload);
      if (record) out.push({ seq: e.seq, record });
    }
    return out;
  }

  /** Sequence number of the oldest record still in the ring, 0 if none. */
  oldestSeq(): number {
    const first = this.ring.read(this.ring.cursorAtTail(), 1)[0];
    return first?.seq ?? 0;
  }

  private scheduleWake(): void {
    if (this.wakePending || this.bus.procs <= 1) return;
    this.wakePending = true;
    // One notice per turn of the event loop, however many records were appended.
    queueMicrotask(() => {
      this.flushWake();
    });
  }

  private flushWake(): void {
    if (!this.wakePending) return;
    this.wakePending = false;
    this.bus.publish(WAKE_TOPIC, null);
  }

  private heartbeat(): void {
    this.procs.beat(this.bus.procIndex, this.opts.now());
    for (const slot of this.procs.sweep(this.bus.procIndex)) this.reportDead(slot);
  }

  private reportDead(slot: ProcSlot): void {
    this.stats.deadProcesses++;
    this.publish({ t: 'gone', origin: this.originOf(slot.procIndex, slot.incarnation) });
  }

  /** Asks every other live process for a snapshot; `ready` resolves when all answered or after the timeout. */
  requestSnapshots(): void {
    const others = this.procs.live().filter((s) => s.procIndex !== this.bus.procIndex);
    this.awaiting = new Set(others.map((s) => this.originOf(s.procIndex, s.incarnation)));
    if (this.awaiting.size === 0) return;
    this.ready = new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.awaiting.clear();
        this.syncDone = undefined;
        resolve();
      };
      const timer = setTimeout(finish, this.opts.syncTimeoutMs);
      timer.unref();
      this.syncDone = finish;
    });
    this.bus.publish(SYNC_TOPIC, { from: this.origin });
  }

  private track(record: RingRecord): void {
    if (this.awaiting.size === 0) return;
    if ((record.t === 'snap' && record.last) || record.t === 'gone') {
      this.awaiting.delete(record.t === 'gone' ? record.origin : record.o);
      if (this.awaiting.size === 0) this.syncDone?.();
    }
  }

  private sendSnapshot(): void {
    const records = this.snapshotProvider?.() ?? [{ t: 'snap', id: `${this.origin}#${this.originSeq + 1}`, subs: [], last: true } as const];
    for (const r of records) this.publish(r);
  }
}
