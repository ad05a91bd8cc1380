import { controlPlaneAvailable, startControlPlane } from './control-plane.js';
import type { ControlPlane, ControlPlaneOptions } from './control-plane.js';
import { HarnessError } from './errors.js';
import type { KubeApi } from './kube-api.js';
import { startNodeAgent } from './node-agent.js';
import type { NodeAgent, NodeAgentOptions } from './node-agent.js';
import type { Pod } from './pod-types.js';
import { waitFor } from './wait-for.js';

/** Why cluster tests cannot run here (for `{ skip }`), or false when they can. */
export function clusterSkipReason(opts: { needsNode?: boolean } = {}): string | false {
  if (!controlPlaneAvailable()) return 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';
  if ((opts.needsNode ?? true) && process.getuid?.() !== 0) return 'the node agent needs root (network namespaces, mounts)';
  return false;
}

/** A control plane with one node agent, and the waits tests need. */
export interface TestCluster {
  cp: ControlPlane;
  agent: NodeAgent;
  /** Admin client. */
  api: KubeApi;
  createNamespace(name: string): Promise<void>;
  /** Waits (bounded, default 120 s: pods start slowly on a loaded machine) until the pod exists and `ok(pod)` holds; returns it. */
  waitForPod(namespace: string, name: string, ok: (pod: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  /** Stops the agent, then the control plane. */
  stop(): Promise<void>;
}

/** Whether the pod's Ready condition is True. */
export function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Starts a control plane (with controller manager) and a node agent on it. */
export async function startTestCluster(opts: { controlPlane?: ControlPlaneOptions; agent?: NodeAgentOptions } = {}): Promise<TestCluster> {
  const cp = await startControlPlane(opts.controlPlane);
  let agent: NodeAgent;
  try {
    agent = await startNodeAgent(cp, opts.agent);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const api = cp.api;
  return {
    cp,
    agent,
    api,
    async createNamespace(name) {
      await api.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
      // Pods are admitted only once the namespace's default ServiceAccount exists.
      await waitFor(`ServiceAccount ${name}/default`, { timeoutMs: 30_000, intervalMs: 100 }, () => api.getOrUndefined(`/api/v1/namespaces/${name}/serviceaccounts/default`));
    },
    waitForPod(namespace, name, ok, timeoutMs = 120_000) {
      let last: Pod | undefined;
      return waitFor(`pod ${namespace}/${name} to reach the expected state`, { timeoutMs, intervalMs: 200 }, async () => {
        last = await api.getOrUndefined<Pod>(`/api/v1/namespaces/${namespace}/pods/${name}`);
        return last && ok(last) ? last : undefined;
      }).catch((err: unknown) => {
        const status = last?.status ? JSON.stringify(last.status) : 'no such pod';
        throw new HarnessError('ASKR_ERR_K8S_TIMEOUT', `${(err as Error).message}; last status: ${status}; log: ${agent.logs(namespace, name, last?.spec.containers[0]?.name ?? '').slice(-2000)}`, { cause: err });
      });
    },
    async stop() {
      await agent.stop();
      await cp.stop();
    },
  };
}
