import type { RegionSpec } from './shm-layout.js';

/** Gauges one front process publishes, in slot order. */
export const GAUGE_FIELDS = ['queued', 'alive', 'busy', 'idle', 'starting', 'desired', 'min', 'max', 'deferring', 'connections', 'pid', 'heartbeat'] as const;
export type GaugeField = (typeof GAUGE_FIELDS)[number];
export type GaugeValues = Record<GaugeField, number>;

export const MAX_FRONT_PROCS = 64;
const SLOT_INTS = 16;
/** Header ints: 0 ceiling min, 1 ceiling max, 2 ceiling generation. */
const HEADER_INTS = 16;
export const GAUGE_REGION: RegionSpec = { name: 'gauges', size: (HEADER_INTS + MAX_FRONT_PROCS * SLOT_INTS) * 4, version: 2 };
/** A slot whose heartbeat is older than this is a dead process's (ms). */
const STALE_MS = 2000;

/**
 * The pod's gauges in shared memory: one slot per front process (queue depth,
 * busy, alive …, written every tick) and the worker floor/ceiling the operator
 * set (read by every front process). Readers sum the fresh slots.
 */
export class GaugeBoard {
  constructor(private readonly ints: Int32Array) {}

  publish(proc: number, values: Omit<GaugeValues, 'heartbeat' | 'pid'>): void {
    const base = HEADER_INTS + proc * SLOT_INTS;
    GAUGE_FIELDS.forEach((field, i) => {
      const v = field === 'heartbeat' ? nowMs() : field === 'pid' ? process.pid : values[field];
      Atomics.store(this.ints, base + i, v | 0);
    });
  }

  read(proc: number): GaugeValues {
    const base = HEADER_INTS + proc * SLOT_INTS;
    const out = {} as GaugeValues;
    GAUGE_FIELDS.forEach((field, i) => {
      out[field] = Atomics.load(this.ints, base + i);
    });
    return out;
  }

  /** Sums the slots of live front processes (fresh heartbeat). */
  total(procs: number): GaugeValues & { procs: number } {
    const sum = Object.fromEntries(GAUGE_FIELDS.map((f) => [f, 0])) as GaugeValues;
    let live = 0;
    const now = nowMs();
    for (let p = 0; p < procs; p++) {
      const v = this.read(p);
      if (v.heartbeat === 0 || wrapDelta(now, v.heartbeat) > STALE_MS) continue;
      live++;
      for (const f of GAUGE_FIELDS) if (f !== 'heartbeat' && f !== 'pid') sum[f] += v[f];
    }
    return { ...sum, procs: live };
  }

  /** The floor and ceiling for the whole pod; 0 means "not set, use the flags". */
  setLimits(min: number, max: number): void {
    Atomics.store(this.ints, 0, min);
    Atomics.store(this.ints, 1, max);
    Atomics.add(this.ints, 2, 1);
  }

  limits(): { min: number; max: number; generation: number } {
    return { min: Atomics.load(this.ints, 0), max: Atomics.load(this.ints, 1), generation: Atomics.load(this.ints, 2) };
  }
}

/** Milliseconds as a 31-bit number that wraps (fits an Int32 slot). */
function nowMs(): number {
  return Date.now() & 0x7fffffff;
}

function wrapDelta(now: number, then: number): number {
  return (now - then + 0x80000000) % 0x80000000;
}

/** Splits a pod-wide floor/ceiling across front processes (proc i of n). */
export function shareOf(total: number, proc: number, procs: number, atLeast: number): number {
  const base = Math.floor(total / procs) + (proc < total % procs ? 1 : 0);
  return Math.max(atLeast, base);
}
