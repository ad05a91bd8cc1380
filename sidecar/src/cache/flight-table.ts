import type { ProcessIdentity } from './shm-mutex.js';

/** A leader's claim as followers see it: the slot and the claim's epoch. */
export interface FlightTicket {
  readonly slot: number;
  readonly epoch: number;
}

/** What a leader reports when it lets go of a key. */
export type FlightOutcome = 'stored' | 'not-stored' | 'abandoned';

/**
 * A claim as a follower sees it: still `pending`; finished with an outcome;
 * `orphaned` (the leader died or passed its deadline: claim the key again to
 * take over); or `gone` (the slot was reused, so the outcome is unknown: look
 * the key up again).
 */
export type FlightState = 'pending' | FlightOutcome | 'orphaned' | 'gone';

export type ClaimResult =
  | { readonly role: 'leader'; readonly ticket: FlightTicket }
  | { readonly role: 'follower'; readonly ticket: FlightTicket }
  /** No coordination possible (the table's bucket is full): run PHP. */
  | { readonly role: 'none' }
  /** The table's lock is held by a live process right now: try again shortly. */
  | { readonly role: 'busy' };

/**
 * Who is computing which key, across every process sharing the table. Exactly
 * one claimant of a key becomes leader until it releases, dies, or passes its
 * deadline; then the next claimant takes over. Every implementation passes
 * `sidecar/test/cache-flight-contract.test.ts`.
 */
export interface FlightTable {
  /**
   * Claims `key` for `owner` (default: this process) until `deadline` (ms since
   * the epoch). A pending claim by a live owner before its deadline makes the
   * caller a follower; an orphaned one is taken over.
   */
  claim(key: string, deadline: number, now: number, owner?: ProcessIdentity): ClaimResult;
  /** Records the leader's outcome; false if the claim was taken over meanwhile. */
  release(ticket: FlightTicket, outcome: FlightOutcome): boolean;
  /** The claim's state now, without locking. */
  inspect(ticket: FlightTicket, now: number): FlightState;
}
