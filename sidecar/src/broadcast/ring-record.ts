/**
 * What the broadcast ring carries. Every record names its origin — the front
 * process that produced it, `<node>/<proc>.<incarnation>` — and that origin's own
 * sequence number, so a peer forwarder can relay records between pods and
 * deduplicate them. Field names are short because every record is JSON in
 * shared memory.
 */

/** An event for the subscribers of one or more channels. */
export interface EventRecord {
  readonly t: 'event';
  readonly app: string;
  readonly channels: readonly string[];
  readonly event: string;
  /** The event's data as given: a string from the HTTP API and PHP, any JSON value from a client event. */
  readonly data: unknown;
  /** Socket id that must not receive it (the sender, or Laravel's `toOthers()`). */
  readonly except?: string;
  /** Sender's presence user id, for client events on presence channels. */
  readonly user?: string;
  /** True for `client-*` events from a socket (never cached). */
  readonly client?: boolean;
}

/** A socket subscribed to a channel. */
export interface SubRecord {
  readonly t: 'sub';
  readonly app: string;
  readonly channel: string;
  readonly socket: string;
  /** Presence: user id (always a string) and user info. */
  readonly user?: string;
  readonly info?: unknown;
}

/** A socket left channels (unsubscribe or disconnect). */
export interface UnsubRecord {
  readonly t: 'unsub';
  readonly app: string;
  readonly socket: string;
  readonly channels: readonly string[];
}

/** Close every connection signed in as a user (HTTP `terminate_connections`). */
export interface TerminateRecord {
  readonly t: 'terminate';
  readonly app: string;
  readonly user: string;
}

/** An origin is gone: everything it held is released. */
export interface GoneRecord {
  readonly t: 'gone';
  readonly origin: string;
}

/** One subscription inside a snapshot. */
export interface SnapSub {
  readonly app: string;
  readonly channel: string;
  readonly socket: string;
  readonly user?: string;
  readonly info?: unknown;
}

/**
 * Part of a snapshot: "the origin's subscriptions are exactly these". Parts of
 * one snapshot share `id`; the part with `last` completes it.
 */
export interface SnapRecord {
  readonly t: 'snap';
  readonly id: string;
  readonly subs: readonly SnapSub[];
  readonly last: boolean;
}

export type RecordBody = EventRecord | SubRecord | UnsubRecord | TerminateRecord | GoneRecord | SnapRecord;

/** A record as stored: the body plus its origin and the origin's sequence number. */
export type RingRecord = RecordBody & { readonly o: string; readonly n: number };

/** Serialises a record for the ring. */
export function encodeRecord(record: RingRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

const KINDS = new Set(['event', 'sub', 'unsub', 'terminate', 'gone', 'snap']);

/** Parses a record; undefined for anything that is not one (never throws). */
export function decodeRecord(payload: Buffer): RingRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.t !== 'string' || !KINDS.has(r.t) || typeof r.o !== 'string' || typeof r.n !== 'number') return undefined;
  return value as RingRecord;
}
