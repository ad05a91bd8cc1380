import type { RingRecord } from '../broadcast/ring-record.js';
import type { ForgetEntry, ForgetLog } from './forget-log.js';
import type { LogSyncKind, OriginState, PeerMessage, RingSyncKind } from './peer-messages.js';
import { planLog, planRing } from './resync-plan.js';
import type { RingTap } from './ring-tap.js';

/** Where the sender sends: a link (or a test's array). */
export interface MessageSink {
  send(message: PeerMessage): void;
}

/** The listener's answer to a hello. */
export type Welcome = Extract<PeerMessage, { k: 'welcome' }>;

/** Origins per state message, so no frame grows without bound. */
const STATE_ORIGINS_PER_PART = 8;

/**
 * The sending half of an outbound link: brings the peer up to date from its
 * cursors (the plan of resync-plan.ts: replay, state or forget-all), then
 * streams this pod's records and invalidations as they come, each once.
 */
export class StreamSender {
  /** Last ring / forget-log sequence handed to the link. */
  private ringSent = -1;
  private logSent = -1;

  constructor(
    private readonly sink: MessageSink,
    private readonly tap: RingTap | undefined,
    private readonly log: ForgetLog | undefined,
  ) {}

  /**
   * Sends the catch-up for the cursors in `welcome`, then `synced`. After this
   * the sender takes live records and invalidations through `offer*`.
   */
  begin(welcome: Welcome): { ring: RingSyncKind | null; log: LogSyncKind | null } {
    let ring: RingSyncKind | null = null;
    let log: LogSyncKind | null = null;
    if (this.tap && welcome.ring) ring = this.beginRing(this.tap, welcome.ring.after);
    if (this.log && welcome.log) log = this.beginLog(this.log, welcome.log.after);
    this.sink.send({ k: 'synced', ring, log });
    return { ring, log };
  }

  private beginRing(tap: RingTap, after: number | null): RingSyncKind {
    // Current replica and position first, so the catch-up and the live stream meet exactly.
    tap.drain();
    const head = tap.seq;
    const plan = planRing(after, tap.oldestSeq(), head);
    const replay = plan.kind === 'replay' ? tap.localRecords(plan.after, head) : undefined;
    this.ringSent = head;
    if (replay) {
      for (const { seq, record } of replay) this.sink.send({ k: 'rec', s: seq, r: record });
      return 'replay';
    }
    this.sendState(head, tap.localState());
    return 'state';
  }

  private sendState(seq: number, origins: OriginState[]): void {
    const id = `${seq}.${Date.now().toString(36)}`;
    for (let i = 0; i === 0 || i < origins.length; i += STATE_ORIGINS_PER_PART) {
      this.sink.send({ k: 'state', s: seq, id, origins: origins.slice(i, i + STATE_ORIGINS_PER_PART), last: i + STATE_ORIGINS_PER_PART >= origins.length });
    }
  }

  private beginLog(log: ForgetLog, after: number | null): LogSyncKind {
    const head = log.head();
    const plan = planLog(after, log.oldest(), head);
    const replay = plan.kind === 'replay' ? log.since(plan.after, head) : undefined;
    this.logSent = head;
    if (replay) {
      for (const e of replay) this.sink.send({ k: 'fgt', s: e.seq, tags: e.tags });
      return 'replay';
    }
    this.sink.send({ k: 'fall', s: head });
    return 'all';
  }

  /** A record of this pod's front processes, live; sent unless the catch-up already covered it. */
  offerRecord(seq: number, record: RingRecord): boolean {
    if (this.ringSent < 0 || seq <= this.ringSent) return false;
    this.ringSent = seq;
    this.sink.send({ k: 'rec', s: seq, r: record });
    return true;
  }

  /** An invalidation of this pod, live; sent unless the catch-up already covered it. */
  offerForget(entry: ForgetEntry): boolean {
    if (this.logSent < 0 || entry.seq <= this.logSent) return false;
    this.logSent = entry.seq;
    this.sink.send({ k: 'fgt', s: entry.seq, tags: entry.tags });
    return true;
  }
}
