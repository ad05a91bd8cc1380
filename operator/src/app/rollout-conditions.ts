import type { DeploymentStatus } from '../kube/workload-types.js';
import { setCondition } from '../controller/conditions.js';
import type { Condition } from '../controller/conditions.js';

/** What the rollout conditions are computed from. */
export interface RolloutInput {
  /** Pods the operator wants. */
  wanted: number;
  /** The Deployment's `metadata.generation` and `status` (as last read or applied). */
  deploymentGeneration: number | undefined;
  deployment: DeploymentStatus | undefined;
  /** `metadata.generation` of the AskrApp. */
  generation: number | undefined;
  now: Date;
}

/**
 * `Ready`, `Progressing` and `Degraded` from the Deployment's status: Ready
 * when every wanted pod is ready and runs the current template; Progressing
 * while the Deployment has not caught up (new template or new count);
 * Degraded when the Deployment reports ProgressDeadlineExceeded.
 */
export function rolloutConditions(existing: readonly Condition[] | undefined, input: RolloutInput): Condition[] {
  const d = input.deployment ?? {};
  const ready = d.readyReplicas ?? 0;
  const updated = d.updatedReplicas ?? 0;
  const current = d.replicas ?? 0;
  const observedGeneration = input.generation;
  const caughtUp = input.deploymentGeneration !== undefined && d.observedGeneration !== undefined && d.observedGeneration >= input.deploymentGeneration;
  let list = [...(existing ?? [])];

  if (input.wanted === 0) {
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'ScaledToZero', message: 'replicas.count is 0', observedGeneration }, input.now);
  } else if (ready >= input.wanted && updated >= input.wanted && caughtUp) {
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'PodsReady', message: `${ready}/${input.wanted} pods ready`, observedGeneration }, input.now);
  } else {
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'PodsNotReady', message: `${ready}/${input.wanted} pods ready, ${updated} updated`, observedGeneration }, input.now);
  }

  const rolling = !caughtUp || updated < input.wanted || current !== input.wanted || (d.unavailableReplicas ?? 0) > 0;
  list = setCondition(list, rolling
    ? { type: 'Progressing', status: 'True', reason: caughtUp && updated >= input.wanted ? 'Scaling' : 'RollingOut', message: `${updated}/${input.wanted} pods updated, ${current} running`, observedGeneration }
    : { type: 'Progressing', status: 'False', reason: 'Stable', message: 'the Deployment matches the spec', observedGeneration }, input.now);

  const stuck = d.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  list = setCondition(list, stuck
    ? { type: 'Degraded', status: 'True', reason: 'ProgressDeadlineExceeded', message: stuck.message ?? 'the rollout is stuck', observedGeneration }
    : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'children applied', observedGeneration }, input.now);
  return list;
}
