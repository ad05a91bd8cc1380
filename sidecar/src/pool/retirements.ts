import type { WorkerState } from './php-worker.js';

export type RecycleReason = 'max-requests' | 'max-memory';

/** What retirement needs to know of a worker. */
export interface Retiree {
  readonly state: WorkerState;
  /** Told to stop already: no newcomer need replace it. */
  readonly stopPending: boolean;
}

interface Retiring<W> {
  worker: W;
  reason: RecycleReason;
  since: number;
}

/**
 * Workers past --max-requests or --max-memory whose replacement has been
 * forked but is not ready yet. They keep serving until it is (make before
 * break): a recycle never leaves the pool a worker short, which under load
 * would queue every request behind one fork.
 */
export class Retirements<W extends Retiree> {
  private readonly waiting: Retiring<W>[] = [];

  get size(): number {
    return this.waiting.length;
  }

  has(worker: W): boolean {
    return this.waiting.some((r) => r.worker === worker);
  }

  add(worker: W, reason: RecycleReason, now: number): void {
    if (!this.has(worker)) this.waiting.push({ worker, reason, since: now });
  }

  /** The longest-waiting worker a newcomer replaces (skipping any already told to stop), removed. */
  takeNext(): Retiring<W> | undefined {
    while (this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next && !next.worker.stopPending && next.worker.state !== 'dead') return next;
    }
    return undefined;
  }

  /** Workers whose replacement has not come within `limitMs`, removed: they go without one. */
  takeOverdue(now: number, limitMs: number): Retiring<W>[] {
    const out: Retiring<W>[] = [];
    while (this.waiting.length > 0 && now - (this.waiting[0]?.since ?? now) >= limitMs) {
      const r = this.waiting.shift();
      if (r) out.push(r);
    }
    return out;
  }

  remove(worker: W): void {
    const i = this.waiting.findIndex((r) => r.worker === worker);
    if (i !== -1) this.waiting.splice(i, 1);
  }
}
