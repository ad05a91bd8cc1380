import type { ContainerStatus, Pod, PodCondition, PodStatus } from './pod-types.js';

/** What the pod worker knows, from which the status is derived. */
export interface PodStatusInput {
  pod: Pod;
  phase: NonNullable<PodStatus['phase']>;
  podIp: string | undefined;
  hostIp: string;
  startTime: string;
  /** The pod's network namespace exists. */
  sandboxReady: boolean;
  /** Every init container completed (and every sidecar started). */
  initialized: boolean;
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
  /** Names of init containers that keep running (restartPolicy: Always); they count for readiness. */
  sidecarNames: string[];
  reason?: string;
  message?: string;
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  return { type, status: ok ? 'True' : 'False', ...(ok || reason === undefined ? {} : { reason }), ...(ok || message === undefined ? {} : { message }) };
}

/**
 * The pod status a kubelet would write: phase, addresses, container statuses
 * and the conditions PodReadyToStartContainers, Initialized, ContainersReady,
 * Ready (which also needs every readiness gate) and PodScheduled.
 * `lastTransitionTime` is kept from the previous status unless the condition flipped.
 */
export function buildPodStatus(input: PodStatusInput): PodStatus {
  const { pod } = input;
  const previous = new Map((pod.status?.conditions ?? []).map((c) => [c.type, c]));
  const terminal = input.phase === 'Succeeded' || input.phase === 'Failed';
  const unready = [
    ...input.containerStatuses.filter((c) => !c.ready).map((c) => c.name),
    ...input.initContainerStatuses.filter((c) => input.sidecarNames.includes(c.name) && !c.ready).map((c) => c.name),
  ];
  const uninitialized = input.initContainerStatuses.filter((c) => !input.sidecarNames.includes(c.name) && c.state.terminated?.exitCode !== 0).map((c) => c.name);
  const containersReady = !terminal && input.initialized && unready.length === 0;
  const gates = (pod.spec.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOpen = gates.filter((g) => previous.get(g)?.status !== 'True');
  const ready = containersReady && gatesOpen.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = `containers with unready status: [${unready.join(' ')}]`;

  const ours: PodCondition[] = [
    condition('PodReadyToStartContainers', input.sandboxReady),
    condition('Initialized', input.initialized || terminal, 'ContainersNotInitialized', `containers with incomplete status: [${uninitialized.join(' ')}]`),
    condition('Ready', ready, gatesOpen.length > 0 && containersReady ? 'ReadinessGatesNotReady' : notReadyReason, gatesOpen.length > 0 && containersReady ? `corresponding condition of pod readiness gate "${gatesOpen[0] ?? ''}" does not exist.` : notReadyMessage),
    condition('ContainersReady', containersReady, notReadyReason, notReadyMessage),
    condition('PodScheduled', true),
  ];
  const t = now();
  const conditions: PodCondition[] = ours.map((c) => {
    const prev = previous.get(c.type);
    return { ...c, lastProbeTime: null, lastTransitionTime: prev?.status === c.status ? (prev.lastTransitionTime ?? t) : t };
  });
  // Conditions others own (readiness gates, DisruptionTarget …) are kept as they are.
  const ourTypes = new Set(ours.map((c) => c.type));
  for (const c of pod.status?.conditions ?? []) if (!ourTypes.has(c.type)) conditions.push({ ...c, lastProbeTime: c.lastProbeTime ?? null, lastTransitionTime: c.lastTransitionTime ?? t });

  return {
    phase: input.phase,
    conditions,
    hostIP: input.hostIp,
    hostIPs: [{ ip: input.hostIp }],
    ...(input.podIp === undefined ? {} : { podIP: input.podIp, podIPs: [{ ip: input.podIp }] }),
    startTime: input.startTime,
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.message === undefined ? {} : { message: input.message }),
    ...(input.initContainerStatuses.length > 0 ? { initContainerStatuses: input.initContainerStatuses } : {}),
    containerStatuses: input.containerStatuses,
  };
}
