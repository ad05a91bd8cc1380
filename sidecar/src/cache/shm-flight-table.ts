import { cacheHash, laneIndex } from './cache-hash.js';
import { FLIGHT_SLOTS, FLIGHT_WAYS, FLIGHT_WORDS, type CacheViews } from './cache-layout.js';
import type { ClaimResult, FlightOutcome, FlightState, FlightTable, FlightTicket } from './flight-table.js';
import { ownerAlive, selfIdentity, type ProcessIdentity, type ShmMutex } from './shm-mutex.js';

/** Int32 words of a flight slot; the deadline is Float64 index 3 of the slot. */
const F = { state: 0, epoch: 1, hashLo: 2, hashHi: 3, pid: 4, start: 5 } as const;
const DEADLINE_F64 = 3;
const FREE = 0;
const PENDING = 1;
const OUTCOME: Record<FlightOutcome, number> = { stored: 2, 'not-stored': 3, abandoned: 4 };
const STATE_NAME: Record<number, FlightOutcome> = { 2: 'stored', 3: 'not-stored', 4: 'abandoned' };

/**
 * The coalescing table in shared memory: 4096 slots in buckets of 4 by key
 * hash, each holding the leader (pid + start time), a claim epoch, a deadline
 * and, once released, the outcome. Claims and releases take the store's
 * mutex (so two processes can never both lead a key); followers read without
 * locking and compare the epoch. A full bucket means no coalescing for that
 * key, never a wait.
 */
export class ShmFlightTable implements FlightTable {
  private readonly words: Int32Array;
  private readonly f64: Float64Array;
  private readonly mutex: ShmMutex;
  private readonly me: ProcessIdentity;
  private readonly isAlive: (owner: ProcessIdentity) => boolean;
  /** Called when the mutex was taken over from a dead owner (the store repairs). */
  private readonly onRecovered: () => void;

  constructor(
    views: CacheViews,
    mutex: ShmMutex,
    onRecovered: () => void,
    me: ProcessIdentity = selfIdentity(),
    isAlive: (owner: ProcessIdentity) => boolean = ownerAlive,
  ) {
    this.words = views.flight;
    this.f64 = views.flightF64;
    this.mutex = mutex;
    this.onRecovered = onRecovered;
    this.me = me;
    this.isAlive = isAlive;
  }

  private alive(slot: number, now: number): boolean {
    const b = slot * FLIGHT_WORDS;
    if (now > (this.f64[slot * (FLIGHT_WORDS / 2) + DEADLINE_F64] ?? 0)) return false;
    const pid = (this.words[b + F.pid] ?? 0);
    const start = (this.words[b + F.start] ?? 0);
    if (pid === this.me.pid && start === this.me.start) return true;
    return this.isAlive({ pid, start });
  }

  private lock(): boolean {
    const r = this.mutex.tryAcquire();
    if (r === 'recovered') this.onRecovered();
    return r !== 'busy';
  }

  claim(key: string, deadline: number, now: number, owner: ProcessIdentity = this.me): ClaimResult {
    const h = cacheHash(key);
    const bucket = laneIndex(h.lo, FLIGHT_SLOTS / FLIGHT_WAYS);
    if (!this.lock()) return { role: 'busy' };
    try {
      const w = this.words;
      let target = -1;
      let reusable = -1;
      for (let i = 0; i < FLIGHT_WAYS; i++) {
        const slot = bucket * FLIGHT_WAYS + i;
        const b = slot * FLIGHT_WORDS;
        const state = (w[b + F.state] ?? 0);
        const same = w[b + F.hashLo] === h.lo && w[b + F.hashHi] === h.hi;
        if (state === PENDING) {
          const live = this.alive(slot, now);
          if (same && live) return { role: 'follower', ticket: { slot, epoch: (w[b + F.epoch] ?? 0) } };
          if (same) {
            target = slot; // orphaned: take it over
            break;
          }
          if (!live && reusable < 0) reusable = slot;
        } else if (state === FREE) {
          if (target < 0) target = slot;
        } else if (same || reusable < 0) reusable = slot;
      }
      if (target < 0) target = reusable;
      if (target < 0) return { role: 'none' };
      const b = target * FLIGHT_WORDS;
      const epoch = ((w[b + F.epoch] ?? 0) + 1) | 0;
      Atomics.store(w, b + F.epoch, epoch);
      w[b + F.hashLo] = h.lo;
      w[b + F.hashHi] = h.hi;
      w[b + F.pid] = owner.pid;
      w[b + F.start] = owner.start;
      this.f64[target * (FLIGHT_WORDS / 2) + DEADLINE_F64] = deadline;
      Atomics.store(w, b + F.state, PENDING);
      return { role: 'leader', ticket: { slot: target, epoch } };
    } finally {
      this.mutex.release();
    }
  }

  release(ticket: FlightTicket, outcome: FlightOutcome): boolean {
    const b = ticket.slot * FLIGHT_WORDS;
    const locked = this.lock();
    try {
      if (Atomics.load(this.words, b + F.epoch) !== ticket.epoch) return false;
      // Without the lock (a live process holds it too long) a CAS still cannot
      // overwrite another leader's outcome: only PENDING of our epoch changes.
      return Atomics.compareExchange(this.words, b + F.state, PENDING, OUTCOME[outcome]) === PENDING;
    } finally {
      if (locked) this.mutex.release();
    }
  }

  inspect(ticket: FlightTicket, now: number): FlightState {
    const b = ticket.slot * FLIGHT_WORDS;
    if (Atomics.load(this.words, b + F.epoch) !== ticket.epoch) return 'gone';
    const state = Atomics.load(this.words, b + F.state);
    let out: FlightState;
    if (state === PENDING) out = this.alive(ticket.slot, now) ? 'pending' : 'orphaned';
    else out = STATE_NAME[state] ?? 'gone';
    return Atomics.load(this.words, b + F.epoch) === ticket.epoch ? out : 'gone';
  }

  /** Frees every claim whose owner is dead (repair after a restart). */
  sweep(now: number): number {
    let n = 0;
    for (let slot = 0; slot < FLIGHT_SLOTS; slot++) {
      const b = slot * FLIGHT_WORDS;
      if (this.words[b + F.state] === PENDING && !this.alive(slot, now)) {
        Atomics.store(this.words, b + F.state, OUTCOME.abandoned);
        n++;
      }
    }
    return n;
  }
}
