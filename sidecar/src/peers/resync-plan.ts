/**
 * The pure decisions of a peer link: what the sender must send to bring a
 * receiver up to date, and whether a received sequence is applied. A log here
 * is one of the sender's bounded logs in shared memory (the broadcast ring or
 * the forget log); `oldest` is the sequence of its oldest record still held (0
 * when it holds none) and `head` the last sequence the sender has read.
 */

/** Replay the records after `after`, or send the whole subscription state. */
export type RingPlan = { readonly kind: 'replay'; readonly after: number } | { readonly kind: 'state' };
/** Replay the forgets after `after`, or make the receiver forget everything up to `upTo`. */
export type LogPlan = { readonly kind: 'replay'; readonly after: number } | { readonly kind: 'all'; readonly upTo: number };

/** Whether every record after `after` up to `head` is still in a log whose oldest record is `oldest`. */
function covered(after: number, oldest: number, head: number): boolean {
  if (after === head) return true;
  return oldest !== 0 && oldest <= after + 1;
}

/**
 * Subscriptions: a receiver without a cursor (new, restarted, or one that
 * declared this pod lost) gets the state; one whose cursor the ring still
 * covers gets exactly what it missed. A cursor beyond `head` belongs to
 * another life of the ring: state.
 */
export function planRing(after: number | null, oldest: number, head: number): RingPlan {
  if (after === null || after > head || !covered(after, oldest, head)) return { kind: 'state' };
  return { kind: 'replay', after };
}

/**
 * Tag invalidations: a receiver without a cursor starts from 0 — if the log
 * still holds its first record, replaying it all is exact (a new peer loses
 * nothing and keeps its cache). Otherwise, or when the cursor is from another
 * life of the log, the receiver cannot know what it missed and must forget
 * everything: a forgotten tag is never served fresh.
 */
export function planLog(after: number | null, oldest: number, head: number): LogPlan {
  const from = after ?? 0;
  if (from > head || !covered(from, oldest, head)) return { kind: 'all', upTo: head };
  return { kind: 'replay', after: from };
}

/** What a receiver does with one sequenced message. */
export type Admission = 'apply' | 'duplicate' | 'gap';

/**
 * Deduplication by stream position: a message is applied once, when its
 * sequence is above the last one applied from its stream. In a gap-free stream
 * (the forget log: every record is the pod's own) a jump means a message was
 * lost, which must never be papered over: the link resumes from `last`.
 */
export function admit(last: number, seq: number, gapFree: boolean): Admission {
  if (seq <= last) return 'duplicate';
  if (gapFree && seq !== last + 1) return 'gap';
  return 'apply';
}
