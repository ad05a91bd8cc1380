import type { CacheStore } from '../cache/cache-store.js';
import type { CursorTable } from './cursor-table.js';
import { PeerCloseCode } from './peer-codes.js';
import { recordBelongsTo, type LogSyncKind, type OriginState, type PeerMessage, type RingSyncKind } from './peer-messages.js';
import { admit } from './resync-plan.js';
import type { RingTap } from './ring-tap.js';
import type { Welcome } from './stream-sender.js';

/** What a receiver applies messages to; shared by every inbound link of the service. */
export interface ReceiverDeps {
  readonly node: string;
  readonly tap: RingTap | undefined;
  readonly cache: CacheStore | undefined;
  readonly cursors: CursorTable | undefined;
  /** Last ring sequence applied per peer ring id; in memory, like the replica it protects. */
  readonly ringCursors: Map<string, number>;
  readonly counters: ReceiverCounters;
  readonly now: () => number;
}

/** Where a receiver counts what it did (the service's metrics). */
export interface ReceiverCounters {
  received(n: number): void;
  deduplicated(n: number): void;
  resynced(kind: 'replay' | 'snapshot' | 'forget_all'): void;
}

type Hello = Extract<PeerMessage, { k: 'hello' }>;

/**
 * The receiving half of an inbound link: answers the hello with this pod's
 * cursors for the sender's logs, then applies the sender's stream exactly
 * once — ring records into this pod's broadcast ring (origins kept), states as
 * "this pod's origins are exactly these", invalidations into the cache with
 * the cursor persisted after each one.
 */
export class StreamReceiver {
  readonly hello: Hello;
  /** True once the sender said its catch-up is over. */
  synced = false;
  /** True once the sender said it is shutting down. */
  leaving = false;
  private readonly deps: ReceiverDeps;
  private readonly parts = new Map<string, OriginState[]>();
  private wantsRing = false;
  private wantsLog = false;

  constructor(hello: Hello, deps: ReceiverDeps) {
    this.hello = hello;
    this.deps = deps;
  }

  /** The answer to the hello: which logs this pod follows, and from where. */
  welcome(): Welcome {
    const { tap, cache, cursors, ringCursors } = this.deps;
    const ring = this.hello.ring;
    const log = this.hello.log;
    this.wantsRing = tap !== undefined && ring !== null;
    this.wantsLog = cache !== undefined && cursors !== undefined && log !== null;
    return {
      k: 'welcome',
      node: this.deps.node,
      ring: this.wantsRing && ring !== null ? { after: ringCursors.get(ring) ?? null } : null,
      log: this.wantsLog && log !== null ? { after: cursors?.get(log)?.seq ?? null } : null,
    };
  }

  /** Applies one message; returns a close code when the link must end. */
  apply(m: PeerMessage): number | undefined {
    switch (m.k) {
      case 'rec':
        return this.record(m.s, m.r);
      case 'state':
        return this.state(m.s, m.id, m.origins, m.last);
      case 'fgt':
        return this.forget(m.s, m.tags);
      case 'fall':
        return this.forgetAll(m.s);
      case 'synced':
        this.finishSync(m.ring, m.log);
        return undefined;
      case 'bye':
        this.leaving = true;
        return undefined;
      default:
        return PeerCloseCode.PROTOCOL;
    }
  }

  private record(seq: number, record: Extract<PeerMessage, { k: 'rec' }>['r']): number | undefined {
    const { tap, ringCursors, counters } = this.deps;
    const ring = this.hello.ring;
    if (!this.wantsRing || !tap || ring === null || !recordBelongsTo(record, ring)) return PeerCloseCode.PROTOCOL;
    const last = ringCursors.get(ring);
    // Records only follow a replay from a cursor or a state that set one.
    if (last === undefined) return PeerCloseCode.PROTOCOL;
    if (admit(last, seq, false) === 'duplicate') {
      counters.deduplicated(1);
      return undefined;
    }
    tap.inject(record);
    ringCursors.set(ring, seq);
    counters.received(1);
    return undefined;
  }

  private state(seq: number, id: string, origins: readonly OriginState[], last: boolean): number | undefined {
    const { tap, ringCursors, counters } = this.deps;
    const ring = this.hello.ring;
    if (!this.wantsRing || !tap || ring === null) return PeerCloseCode.PROTOCOL;
    if (origins.some((o) => !o.origin.startsWith(`${ring}/`))) return PeerCloseCode.PROTOCOL;
    const parts = this.parts.get(id) ?? [];
    parts.push(...origins);
    if (!last) {
      this.parts.set(id, parts);
      return undefined;
    }
    this.parts.delete(id);
    tap.replaceOrigins(ring, parts);
    ringCursors.set(ring, seq);
    counters.received(1);
    return undefined;
  }

  private forget(seq: number, tags: readonly string[]): number | undefined {
    const { cache, cursors, counters, now } = this.deps;
    const log = this.hello.log;
    if (!this.wantsLog || !cache || !cursors || log === null) return PeerCloseCode.PROTOCOL;
    const decision = admit(cursors.get(log)?.seq ?? 0, seq, true);
    if (decision === 'duplicate') {
      counters.deduplicated(1);
      return undefined;
    }
    // A missed invalidation must never be skipped: reconnect, and the sender resumes from the cursor.
    if (decision === 'gap') return PeerCloseCode.RESYNC;
    if (tags.length > 0) cache.forgetTags(tags);
    // Persisted after applying: a crash in between replays it, which is harmless.
    cursors.set(log, seq, now());
    counters.received(1);
    return undefined;
  }

  private forgetAll(seq: number): number | undefined {
    const { cache, cursors, counters, now } = this.deps;
    const log = this.hello.log;
    if (!this.wantsLog || !cache || !cursors || log === null) return PeerCloseCode.PROTOCOL;
    cache.forgetAll();
    cursors.set(log, seq, now());
    counters.received(1);
    return undefined;
  }

  private finishSync(ring: RingSyncKind | null, log: LogSyncKind | null): void {
    const { counters } = this.deps;
    if (ring === 'state') counters.resynced('snapshot');
    if (log === 'all') counters.resynced('forget_all');
    if ((ring === 'replay' || ring === null) && (log === 'replay' || log === null)) counters.resynced('replay');
    this.synced = true;
  }
}
