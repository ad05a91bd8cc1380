import type { RingRecord, SnapSub } from '../broadcast/ring-record.js';

/** Version of the message set; a hello with another one is refused. */
export const PEER_MESSAGES_VERSION = 1;

/** One origin's subscriptions inside a state message. */
export interface OriginState {
  readonly origin: string;
  readonly subs: readonly SnapSub[];
}

/** What the sender does to bring the receiver's replica up to date. */
export type RingSyncKind = 'replay' | 'state';
/** What the sender does to bring the receiver's cache up to date. */
export type LogSyncKind = 'replay' | 'all';

/**
 * The messages of a peer link. The dialer sends its pod's stream; the listener
 * only answers the hello. Sequence numbers are those of the sender's logs: the
 * broadcast ring (`rec`, `state`) and the forget log (`fgt`, `fall`).
 */
export type PeerMessage =
  /** Dialer → listener, first: who is sending, and the ids of its logs (null: not kept). */
  | { readonly k: 'hello'; readonly v: number; readonly node: string; readonly ring: string | null; readonly log: string | null }
  /** Listener → dialer: the last sequence applied from each log (after: null = none), or null when it does not want that log. */
  | { readonly k: 'welcome'; readonly node: string; readonly ring: { readonly after: number | null } | null; readonly log: { readonly after: number | null } | null }
  /** A ring record of one of the sender's front processes, with its ring sequence. */
  | { readonly k: 'rec'; readonly s: number; readonly r: RingRecord }
  /** Part of the sender's subscriptions per origin at ring sequence `s`; `last` completes it. */
  | { readonly k: 'state'; readonly s: number; readonly id: string; readonly origins: readonly OriginState[]; readonly last: boolean }
  /** Tags forgotten in the sender's pod, with their forget-log sequence. */
  | { readonly k: 'fgt'; readonly s: number; readonly tags: readonly string[] }
  /** The receiver's cursor is older than the forget log: forget everything, then continue after `s`. */
  | { readonly k: 'fall'; readonly s: number }
  /** The catch-up is over; what it took. */
  | { readonly k: 'synced'; readonly ring: RingSyncKind | null; readonly log: LogSyncKind | null }
  /** Keeps an idle link proven alive. */
  | { readonly k: 'ping' }
  /** The sender is shutting down cleanly (its pod's origins have been released). */
  | { readonly k: 'bye' };

const RECORD_KINDS = new Set(['event', 'sub', 'unsub', 'terminate', 'gone', 'snap']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;
const idOrNull = (v: unknown): boolean => v === null || isId(v);
const cursorOrNull = (v: unknown): boolean => v === null || (isObj(v) && (v.after === null || isSeq(v.after)));

function isRecord(v: unknown): v is RingRecord {
  return isObj(v) && typeof v.t === 'string' && RECORD_KINDS.has(v.t) && isId(v.o) && typeof v.n === 'number';
}

function isSub(v: unknown): v is SnapSub {
  return isObj(v) && typeof v.app === 'string' && typeof v.channel === 'string' && typeof v.socket === 'string' && (v.user === undefined || typeof v.user === 'string');
}

function valid(m: Record<string, unknown>): boolean {
  switch (m.k) {
    case 'hello':
      return typeof m.v === 'number' && isId(m.node) && idOrNull(m.ring) && idOrNull(m.log);
    case 'welcome':
      return isId(m.node) && cursorOrNull(m.ring) && cursorOrNull(m.log);
    case 'rec':
      return isSeq(m.s) && isRecord(m.r);
    case 'state':
      return isSeq(m.s) && isId(m.id) && typeof m.last === 'boolean' && Array.isArray(m.origins)
        && m.origins.every((o) => isObj(o) && isId(o.origin) && Array.isArray(o.subs) && o.subs.every(isSub));
    case 'fgt':
      return isSeq(m.s) && Array.isArray(m.tags) && m.tags.every((t) => typeof t === 'string');
    case 'fall':
      return isSeq(m.s);
    case 'synced':
      return (m.ring === null || m.ring === 'replay' || m.ring === 'state') && (m.log === null || m.log === 'replay' || m.log === 'all');
    case 'ping':
    case 'bye':
      return true;
    default:
      return false;
  }
}

/** Serialises the messages of one frame. */
export function encodeMessages(messages: readonly PeerMessage[]): Buffer {
  return Buffer.from(JSON.stringify(messages), 'utf8');
}

/** Parses one frame's payload; undefined when it is not a well-formed list of messages (never throws). */
export function decodeMessages(payload: Buffer): PeerMessage[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  for (const m of value) if (!isObj(m) || !valid(m)) return undefined;
  return value as PeerMessage[];
}

/**
 * Whether a record received from the pod whose ring id is `ring` speaks only
 * for that pod's own front processes: a peer may never add, replace or remove
 * another pod's subscriptions.
 */
export function recordBelongsTo(record: RingRecord, ring: string): boolean {
  const prefix = `${ring}/`;
  if (!record.o.startsWith(prefix)) return false;
  return record.t !== 'gone' || record.origin.startsWith(prefix);
}
