import { MAX_FRONT_PROCS } from '../shm/gauge-board.js';
import type { RegionSpec } from '../shm/shm-layout.js';

/** Apps whose connections are counted pod-wide; apps past it are limited per process. */
export const MAX_COUNTED_APPS = 64;
export const CONNECTION_REGION: RegionSpec = { name: 'pusher-connections', size: MAX_FRONT_PROCS * MAX_COUNTED_APPS * 4, version: 1 };

/**
 * WebSocket connections per app for the whole pod: one row per front process,
 * written only by that process, summed by whoever admits a connection. A
 * process clears its row when it starts, so a restarted process does not
 * inherit the count of the one it replaces. Two processes admitting at the
 * same instant may each pass the limit by one: the limit is a quota, not a
 * lock.
 */
export class ConnectionBoard {
  private readonly own = new Int32Array(MAX_COUNTED_APPS);
  /** Apps past the table, counted in this process only. */
  private readonly local = new Map<number, number>();

  constructor(
    private readonly ints: Int32Array,
    private readonly proc: number,
    private readonly procs: number,
  ) {
    for (let app = 0; app < MAX_COUNTED_APPS; app++) Atomics.store(ints, this.slot(proc, app), 0);
  }

  /** Counts one connection more (delta 1, refused past `max` when max > 0) or less (delta -1). */
  admit(app: number, max: number, delta: 1 | -1): boolean {
    if (app < 0 || app >= MAX_COUNTED_APPS) return this.admitLocal(app, max, delta);
    if (delta === 1 && max > 0 && this.total(app) >= max) return false;
    const n = Math.max(0, (this.own[app] ?? 0) + delta);
    this.own[app] = n;
    Atomics.store(this.ints, this.slot(this.proc, app), n);
    return true;
  }

  /** Connections of one app in the pod. */
  total(app: number): number {
    let sum = 0;
    for (let p = 0; p < this.procs; p++) sum += Atomics.load(this.ints, this.slot(p, app));
    return sum;
  }

  private admitLocal(app: number, max: number, delta: 1 | -1): boolean {
    const n = this.local.get(app) ?? 0;
    if (delta === 1 && max > 0 && n >= max) return false;
    this.local.set(app, Math.max(0, n + delta));
    return true;
  }

  private slot(proc: number, app: number): number {
    return proc * MAX_COUNTED_APPS + app;
  }
}
