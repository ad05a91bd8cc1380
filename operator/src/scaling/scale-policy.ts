import type { AskrAppSpec } from '../crd/askr-app-schema.js';
import { parseQuantity } from '../kube/quantity.js';

/** The scaling bounds and knobs of one app, in the units `decideScale` uses. */
export interface ScalePolicy {
  replicasMin: number;
  replicasMax: number;
  /** `spec.replicas.count`: the pod count is fixed, only ceilings move. */
  replicasFixed: number | undefined;
  workersMin: number;
  /** Highest ceiling allowed: `workers.max`, lowered to what the memory limit holds. */
  workersMax: number;
  /** True when the memory limit, not `workers.max`, sets `workersMax`. */
  memoryBound: boolean;
  /** Wanted share of busy workers, 0–1. */
  target: number;
  /** Dead band, 0–1, relative to the target. */
  tolerance: number;
  upWindowMs: number;
  downWindowMs: number;
  maxReplicaStep: number;
}

/**
 * Derives the policy from a (defaulted) spec. The memory bound: with a memory
 * limit on the app container, the template plus N workers at `maxMemoryMB`
 * each must fit, so N ≤ limit / maxMemoryMB − 1 (the template counts as one
 * worker's worth; a worker above `maxMemoryMB` is recycled between requests).
 * Never below `workers.min`: the spec's floor wins over the estimate.
 */
export function scalePolicy(spec: AskrAppSpec): ScalePolicy {
  const limit = parseQuantity(spec.resources.app?.limits?.memory);
  const perWorker = spec.workers.maxMemoryMB * 1024 * 1024;
  let workersMax = spec.workers.max;
  let memoryBound = false;
  if (limit !== undefined && perWorker > 0) {
    const fits = Math.max(spec.workers.min, Math.floor(limit / perWorker) - 1);
    if (fits < workersMax) {
      workersMax = fits;
      memoryBound = true;
    }
  }
  return {
    replicasMin: spec.replicas.min,
    replicasMax: spec.replicas.max,
    replicasFixed: spec.replicas.count,
    workersMin: spec.workers.min,
    workersMax,
    memoryBound,
    target: spec.scaling.targetBusyPercent / 100,
    tolerance: spec.scaling.tolerancePercent / 100,
    upWindowMs: spec.scaling.scaleUpWindowSeconds * 1000,
    downWindowMs: spec.scaling.scaleDownWindowSeconds * 1000,
    maxReplicaStep: spec.scaling.maxReplicaStep,
  };
}
