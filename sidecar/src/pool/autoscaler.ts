/**
 * The in-pod autoscaler: a pure decision over the pool's gauges. Scale-up is
 * proportional to demand (busy + queued workers needed now, up to the ceiling,
 * in one step); scale-down harvests one idle worker per step once demand has
 * stayed below the pool size for a whole cool-down window, never below the
 * floor, never a busy or deferring worker (the pool picks idle ones only).
 */
export interface PoolGauges {
  /** Workers connected and not stopping. */
  alive: number;
  /** Forks asked for, not yet connected. */
  starting: number;
  /** Workers handling a request or running deferred work. */
  busy: number;
  /** Requests waiting for a worker. */
  queued: number;
}

export interface AutoscaleLimits {
  min: number;
  max: number;
  /** Demand must stay below the pool size this long before a harvest (ms). */
  scaleDownDelayMs: number;
  /** At most one harvest per step (ms). */
  harvestStepMs: number;
}

/** What the autoscaler remembers between decisions: demand samples of the window. */
export interface AutoscaleMemory {
  samples: { at: number; needed: number }[];
  lastHarvestAt: number;
  /** When the first sample was taken: no harvest before a whole window was seen. */
  startedAt: number | null;
}

export interface AutoscaleDecision {
  spawn: number;
  harvest: number;
  /** Pool size after this decision (alive + starting + spawn - harvest). */
  desired: number;
  memory: AutoscaleMemory;
  reason: 'up' | 'down' | 'ceiling' | 'steady';
}

export function initialMemory(): AutoscaleMemory {
  return { samples: [], lastHarvestAt: -Infinity, startedAt: null };
}

/** Workers to fork right now for the current demand (the scale-up half of decide()). */
export function scaleUpNeeded(g: PoolGauges, limits: Pick<AutoscaleLimits, 'min' | 'max'>): number {
  const min = Math.max(0, Math.min(limits.min, limits.max));
  const target = Math.min(limits.max, Math.max(min, g.busy + g.queued));
  return Math.max(0, target - (g.alive + g.starting));
}

export function decide(g: PoolGauges, limits: AutoscaleLimits, memory: AutoscaleMemory, now: number): AutoscaleDecision {
  const min = Math.max(0, Math.min(limits.min, limits.max));
  const max = Math.max(limits.max, 0);
  const needed = g.busy + g.queued;
  const windowStart = now - limits.scaleDownDelayMs;
  const samples = memory.samples.filter((s) => s.at >= windowStart);
  samples.push({ at: now, needed });
  const next: AutoscaleMemory = { samples, lastHarvestAt: memory.lastHarvestAt, startedAt: memory.startedAt ?? now };
  const size = g.alive + g.starting;

  if (g.alive > max) {
    // The ceiling came down (PUT /askr/workers): shed idle workers at once.
    const harvest = Math.min(g.alive - max, Math.max(0, g.alive - g.busy));
    return { spawn: 0, harvest, desired: size - harvest, memory: next, reason: harvest > 0 ? 'ceiling' : 'steady' };
  }

  const spawn = scaleUpNeeded(g, { min, max });
  if (spawn > 0) {
    return { spawn, harvest: 0, desired: size + spawn, memory: next, reason: 'up' };
  }

  // Only a window that is full of samples may justify a harvest.
  const windowCovered = now - (next.startedAt ?? now) >= limits.scaleDownDelayMs;
  const peak = samples.reduce((m, s) => Math.max(m, s.needed), 0);
  const downTarget = Math.max(min, Math.min(max, peak));
  const idle = g.alive - g.busy;
  if (windowCovered && g.alive > downTarget && idle > 0 && g.starting === 0 && now - memory.lastHarvestAt >= limits.harvestStepMs) {
    next.lastHarvestAt = now;
    return { spawn: 0, harvest: 1, desired: size - 1, memory: next, reason: 'down' };
  }
  return { spawn: 0, harvest: 0, desired: size, memory: next, reason: 'steady' };
}
