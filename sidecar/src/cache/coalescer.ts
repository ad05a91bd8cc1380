import type { FrontBus } from '../ipc/front-bus.js';
import type { FlightOutcome, FlightTable, FlightTicket } from './flight-table.js';

/** What ends a follower's wait. `timeout`: its own bound passed; run PHP. */
export type FollowSignal = FlightOutcome | 'orphaned' | 'gone' | 'timeout';

/** The leader's handle: report the outcome once (later calls are ignored). */
export interface LeaderFlight {
  finish(outcome: FlightOutcome): void;
}

export type Entered =
  | { readonly role: 'leader'; readonly flight: LeaderFlight }
  | { readonly role: 'follower'; readonly wait: Promise<FollowSignal> }
  | { readonly role: 'none' }
  /** The shared table is locked by another process this instant: call `enter` again shortly. */
  | { readonly role: 'busy' };

export interface CoalescerOptions {
  /** Longest a follower waits, ms (also bounded by its request deadline). */
  readonly waitMs: number;
  /** Safety-net poll of another process's claim: first and longest interval, ms. */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  readonly now?: () => number;
}

/** The bus topic a leader publishes once its outcome is in the flight table. */
export const READY_TOPIC = 'cache.ready';

interface Local {
  readonly key: string;
  readonly ticket: FlightTicket;
  readonly leader: boolean;
  waiters: number;
  settled: boolean;
  readonly promise: Promise<FollowSignal>;
  resolve: (s: FollowSignal) => void;
  wake: (() => void) | undefined;
}

/**
 * Request coalescing for one process. Concurrent misses for a key in this
 * process share one `Local`, so only the first touches the shared flight table:
 * it becomes the pod-wide leader, or the one representative that watches
 * another process's leader — woken by that leader's `cache.ready` notice on the
 * FrontBus, with a bounded poll as the safety net (10→100 ms). Every follower
 * also races its own deadline, so none waits past its request timeout.
 */
export class Coalescer {
  private readonly flights: FlightTable;
  private readonly bus: FrontBus | undefined;
  private readonly waitMs: number;
  private readonly pollMinMs: number;
  private readonly pollMaxMs: number;
  private readonly now: () => number;
  private readonly locals = new Map<string, Local>();
  private readonly byTicket = new Map<string, Local>();
  private readonly unsubscribe: (() => void) | undefined;

  constructor(flights: FlightTable, bus: FrontBus | undefined, options: CoalescerOptions) {
    this.flights = flights;
    this.bus = bus;
    this.waitMs = options.waitMs;
    this.pollMinMs = options.pollMinMs ?? 10;
    this.pollMaxMs = options.pollMaxMs ?? 100;
    this.now = options.now ?? Date.now;
    this.unsubscribe = bus?.subscribe(READY_TOPIC, (payload) => {
      const p = payload as { slot?: unknown; epoch?: unknown } | null;
      if (typeof p?.slot !== 'number' || typeof p.epoch !== 'number') return;
      this.byTicket.get(`${p.slot}:${p.epoch}`)?.wake?.();
    });
  }

  /**
   * Claims `key` or joins whoever computes it. `deadline`: the request's, ms
   * since the epoch. With `leadOnly` (a stale entry's refresh), never waits:
   * anything but leading is `none`.
   */
  enter(key: string, deadline: number, leadOnly = false): Entered {
    if (this.waitMs <= 0 && !leadOnly) return { role: 'none' };
    const now = this.now();
    const joined = this.locals.get(key);
    if (joined) return leadOnly ? { role: 'none' } : { role: 'follower', wait: this.wait(joined, deadline, now) };
    const claim = this.flights.claim(key, Math.max(deadline, now + 1), now);
    if (claim.role === 'busy') return leadOnly ? { role: 'none' } : claim;
    if (claim.role === 'none' || (leadOnly && claim.role === 'follower')) return { role: 'none' };
    let resolve!: (s: FollowSignal) => void;
    const promise = new Promise<FollowSignal>((r) => (resolve = r));
    const local: Local = { key, ticket: claim.ticket, leader: claim.role === 'leader', waiters: 0, settled: false, promise, resolve, wake: undefined };
    this.locals.set(key, local);
    this.byTicket.set(`${claim.ticket.slot}:${claim.ticket.epoch}`, local);
    if (claim.role === 'leader') {
      // A leader the caller never finishes must not hold its followers forever.
      const guard = setTimeout(() => {
        finish('abandoned');
      }, clampDelay(deadline - now));
      guard.unref();
      const finish = (outcome: FlightOutcome): void => {
        if (local.settled) return;
        clearTimeout(guard);
        this.flights.release(claim.ticket, outcome);
        this.settle(local, outcome);
        this.bus?.publish(READY_TOPIC, { slot: claim.ticket.slot, epoch: claim.ticket.epoch });
      };
      return { role: 'leader', flight: { finish } };
    }
    const wait = this.wait(local, deadline, now);
    void this.represent(local, now + this.waitMs);
    return { role: 'follower', wait };
  }

  /** Stops every wait (shutdown): followers get `timeout` and run PHP. */
  close(): void {
    this.unsubscribe?.();
    for (const local of [...this.locals.values()]) this.settle(local, 'timeout');
  }

  private settle(local: Local, signal: FollowSignal): void {
    if (local.settled) return;
    local.settled = true;
    if (this.locals.get(local.key) === local) this.locals.delete(local.key);
    this.byTicket.delete(`${local.ticket.slot}:${local.ticket.epoch}`);
    local.wake?.();
    local.resolve(signal);
  }

  private async wait(local: Local, deadline: number, now: number): Promise<FollowSignal> {
    local.waiters++;
    let timer: NodeJS.Timeout | undefined;
    const bound = clampDelay(Math.min(deadline, now + this.waitMs) - now);
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => {
        r('timeout');
      }, bound);
    });
    try {
      return await Promise.race([local.promise, timeout]);
    } finally {
      clearTimeout(timer);
      local.waiters--;
    }
  }

  /** Watches another process's claim until it resolves, nobody waits, or `until`. */
  private async represent(local: Local, until: number): Promise<void> {
    let delay = this.pollMinMs;
    for (;;) {
      await this.pause(local, delay);
      if (local.settled) return;
      const now = this.now();
      const state = this.flights.inspect(local.ticket, now);
      if (state !== 'pending') {
        this.settle(local, state);
        return;
      }
      if (local.waiters === 0 || now >= until) {
        this.settle(local, 'timeout');
        return;
      }
      delay = Math.min(delay * 2, this.pollMaxMs);
    }
  }

  private pause(local: Local, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        local.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      local.wake = done;
    });
  }
}

/** A setTimeout delay: at least 1 ms, at most what a 32-bit timer holds. */
function clampDelay(ms: number): number {
  return Math.min(Math.max(1, ms), 0x7fffffff);
}
