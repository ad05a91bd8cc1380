import type { ScalePolicy } from './scale-policy.js';

/** One pod at one scrape. */
export interface PodSample {
  pod: string;
  /** The pod is Ready (a not-ready pod is still starting or failing). */
  ready: boolean;
  /** The scrape answered; when false the numbers below are meaningless. */
  ok: boolean;
  /** `askr_workers_alive`, `askr_workers_busy`, `askr_queue_depth`, `askr_workers_max`. */
  alive: number;
  busy: number;
  queue: number;
  ceiling: number;
}

/** One scrape of every pod the app has. */
export interface Observation {
  /** Milliseconds (any epoch; only differences matter). */
  time: number;
  pods: PodSample[];
}

/** What one past scrape said, kept for the windows. */
export interface HistoryEntry {
  time: number;
  /** Workers wanted with missing pods counted idle (used to scale up). */
  up: number;
  /** Workers wanted with missing pods counted fully busy (used to scale down). */
  down: number;
  replicas: number;
  ceiling: number;
}

/** The scaler's memory: current replicas and ceiling, and recent history. */
export interface ScaleState {
  replicas: number;
  ceiling: number;
  history: HistoryEntry[];
}

/** Why a decision was taken (CamelCase, for status and Events). */
export type ScaleReason =
  | 'RaisedWorkerCeiling' | 'AddedReplicas' | 'RemovedReplicas' | 'LoweredWorkerCeiling'
  | 'BoundsChanged' | 'Steady' | 'NoMetrics';

/** The outcome of one decision. */
export interface ScaleDecision {
  replicas: number;
  ceiling: number;
  /** True when replicas or ceiling differ from the state's. */
  changed: boolean;
  reason: ScaleReason;
  message: string;
  /** Set when demand exceeds what the bounds allow. */
  limited: { reason: 'MaxReplicas' | 'ReplicasFixed'; message: string } | undefined;
  /** Ready pods whose scrape failed. */
  missing: string[];
  /** Busy over alive workers of the pods that answered (0 when none did). */
  busyRatio: number;
  queueDepth: number;
}

/**
 * The two-stage scaling decision, a pure function of the previous state, one
 * new observation and the policy. Demand is counted in workers: busy workers
 * plus queued requests, over the target busy share.
 *
 * Up (no stabilisation for ceilings): if demand exceeds the fleet's capacity
 * (replicas × ceiling) beyond the tolerance, raise the ceiling to what the
 * current pods need, up to `workersMax`. Only once the ceiling *is* at
 * `workersMax` and every scrape in the scale-up window wanted more than that,
 * add replicas for the lowest demand in the window, at most `maxReplicaStep`
 * at once and never above `replicasMax`.
 *
 * Down: the highest demand in the scale-down window decides (the window must
 * be fully observed, so a restarted operator waits before removing anything).
 * Replicas go first — as many as that demand leaves unneeded at `workersMax`
 * per pod — and the ceiling comes down only once the pod count is at its
 * floor (`replicasMin`, or the fixed count).
 *
 * A ready pod that did not answer counts as idle when deciding to scale up
 * (it cannot cause growth) and as fully busy when deciding to scale down (it
 * cannot cause shrinkage). With no answer at all, nothing changes.
 */
export function decideScale(prev: ScaleState, obs: Observation, policy: ScalePolicy): { state: ScaleState; decision: ScaleDecision } {
  const ready = obs.pods.filter((p) => p.ready);
  const answered = ready.filter((p) => p.ok);
  const missing = ready.filter((p) => !p.ok).map((p) => p.pod);
  const busy = sum(answered, (p) => p.busy);
  const alive = sum(answered, (p) => p.alive);
  const queueDepth = sum(answered, (p) => p.queue);
  const busyRatio = alive > 0 ? round2(busy / alive) : 0;

  let replicas = clamp(policy.replicasFixed ?? prev.replicas, policy.replicasFixed ?? policy.replicasMin, policy.replicasFixed ?? policy.replicasMax);
  let ceiling = clamp(prev.ceiling, policy.workersMin, policy.workersMax);
  const bounded = replicas !== prev.replicas || ceiling !== prev.ceiling;
  const base = { missing, busyRatio, queueDepth, limited: undefined };

  if (answered.length === 0) {
    const state = { replicas, ceiling, history: prev.history };
    const reason: ScaleReason = bounded ? 'BoundsChanged' : 'NoMetrics';
    return { state, decision: { ...base, replicas, ceiling, changed: bounded, reason, message: 'no pod answered the metrics scrape; holding' } };
  }

  const up = (busy + queueDepth) / policy.target;
  const down = (busy + queueDepth + missing.length * ceiling) / policy.target;
  const entry: HistoryEntry = { time: obs.time, up, down, replicas, ceiling };
  const keepMs = Math.max(policy.upWindowMs, policy.downWindowMs);
  // Keep one entry older than the longest window: it proves the window was observed in full.
  const firstKept = Math.max(0, prev.history.findLastIndex((h) => h.time <= obs.time - keepMs));
  const history = [...prev.history.slice(firstKept), entry];
  const state = (): ScaleState => ({ replicas, ceiling, history });
  const decision = (reason: ScaleReason, message: string, limited?: ScaleDecision['limited']): { state: ScaleState; decision: ScaleDecision } => ({
    state: state(),
    decision: { ...base, limited, replicas, ceiling, changed: replicas !== prev.replicas || ceiling !== prev.ceiling, reason, message },
  });
  const seen = `busy ${busy}/${alive}, queue ${queueDepth}, ${replicas} pods × ${ceiling} workers`;

  // --- up ----------------------------------------------------------------
  if (up > replicas * ceiling * (1 + policy.tolerance)) {
    const needed = Math.ceil(up / replicas);
    if (needed <= policy.workersMax) {
      ceiling = Math.max(ceiling, needed);
      return decision('RaisedWorkerCeiling', `${seen}: demand ${fmt(up)} workers; ceiling → ${ceiling}`);
    }
    const raised = ceiling < policy.workersMax;
    ceiling = policy.workersMax;
    const limited = limitReason(policy, replicas);
    if (raised) return decision('RaisedWorkerCeiling', `${seen}: demand ${fmt(up)} workers; ceiling → ${ceiling} (the highest allowed)`, limited);
    if (policy.replicasFixed !== undefined || replicas >= policy.replicasMax) {
      return decision(bounded ? 'BoundsChanged' : 'Steady', `${seen}: demand ${fmt(up)} workers exceeds what the bounds allow`, limited);
    }
    const inWindow = history.filter((h) => h.time >= obs.time - policy.upWindowMs);
    const covered = history[0] !== undefined && history[0].time <= obs.time - policy.upWindowMs;
    const persisted = covered && inWindow.every((h) => h.ceiling >= policy.workersMax && h.up > h.replicas * policy.workersMax);
    if (!persisted) {
      return decision(bounded ? 'BoundsChanged' : 'Steady', `${seen}: at the ceiling; adding pods if the backlog lasts ${policy.upWindowMs / 1000}s`);
    }
    const lowest = Math.min(...inWindow.map((h) => h.up));
    const wanted = Math.min(policy.replicasMax, replicas + policy.maxReplicaStep, Math.ceil(lowest / policy.workersMax));
    if (wanted > replicas) {
      replicas = wanted;
      return decision('AddedReplicas', `${seen}: demand ≥ ${fmt(lowest)} workers for ${policy.upWindowMs / 1000}s at the ceiling; replicas → ${replicas}`,
        replicas >= policy.replicasMax ? limitReason(policy, replicas) : undefined);
    }
    return decision(bounded ? 'BoundsChanged' : 'Steady', seen);
  }

  // --- down --------------------------------------------------------------
  const covered = history[0] !== undefined && history[0].time <= obs.time - policy.downWindowMs;
  if (covered) {
    const highest = Math.max(...history.filter((h) => h.time >= obs.time - policy.downWindowMs).map((h) => h.down));
    if (highest < replicas * ceiling * (1 - policy.tolerance)) {
      const floor = policy.replicasFixed ?? policy.replicasMin;
      const neededReplicas = Math.max(floor, Math.ceil(highest / policy.workersMax));
      if (neededReplicas < replicas) {
        replicas = neededReplicas;
        // The pods that stay must be allowed to carry the demand.
        ceiling = Math.max(ceiling, Math.min(policy.workersMax, Math.ceil(highest / replicas)));
        return decision('RemovedReplicas', `${seen}: at most ${fmt(highest)} workers wanted in ${policy.downWindowMs / 1000}s; replicas → ${replicas}`);
      }
      // Ceilings come down only once no pod can go: a ceiling is a cap, not a
      // count (the sidecar harvests idle workers itself), so a high one is cheap
      // while lowering and raising it again on the next replica removal is churn.
      const neededCeiling = clamp(Math.ceil(highest / replicas), policy.workersMin, policy.workersMax);
      if (replicas <= floor && neededCeiling < ceiling) {
        ceiling = neededCeiling;
        return decision('LoweredWorkerCeiling', `${seen}: at most ${fmt(highest)} workers wanted in ${policy.downWindowMs / 1000}s; ceiling → ${ceiling}`);
      }
    }
  }
  return decision(bounded ? 'BoundsChanged' : 'Steady', seen);
}

/** Why demand cannot be met, or undefined while replicas can still grow. */
function limitReason(policy: ScalePolicy, replicas: number): ScaleDecision['limited'] {
  const per = policy.memoryBound
    ? `${policy.workersMax} workers per pod (what the app container's memory limit holds at workers.maxMemoryMB each)`
    : `${policy.workersMax} workers per pod (workers.max)`;
  if (policy.replicasFixed !== undefined) {
    return { reason: 'ReplicasFixed', message: `spec.replicas.count fixes the pod count at ${policy.replicasFixed}, each at ${per}` };
  }
  if (replicas >= policy.replicasMax) {
    return { reason: 'MaxReplicas', message: `at replicas.max (${policy.replicasMax}), each at ${per}` };
  }
  return undefined;
}

function sum<T>(list: T[], f: (x: T) => number): number {
  return list.reduce((acc, x) => acc + f(x), 0);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function fmt(v: number): string {
  return v.toFixed(1);
}
