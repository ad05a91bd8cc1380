import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { k8sVersion } from './control-plane.js';
import { KubeApiError, mergePatch } from './kube-api.js';
import type { KubeApi } from './kube-api.js';

/** What the Node object says about the node. */
export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
  /** The pod /24, as spec.podCIDR. */
  podCidr: string;
  /** The node's InternalIP (the pod network's gateway). */
  address: string;
  /** Capacity and allocatable (they are the same here). */
  allocatable: Record<string, string>;
  /** Port of the node's kubelet API (logs, port-forward). */
  kubeletPort: number;
}

/** A kubelet renews its Lease every 10 s and the node lifecycle controller allows 40 s. */
const leaseRenewMs = 10_000;

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

const seconds = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A MicroTime (Lease renewTime needs microseconds). */
const microTime = (): string => new Date().toISOString().replace('Z', '000Z');

/**
 * The Node object of the test node and its heartbeat: registers the Node with
 * labels, pod CIDR, addresses, capacity and nodeInfo, reports it Ready (or not,
 * when stopping), and renews its Lease in kube-node-lease so the node lifecycle
 * controller never marks it unreachable and evicts its pods.
 */
export class NodeRegistration {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly api: KubeApi,
    private readonly node: NodeFacts,
  ) {}

  /** Creates (or adopts) the Node, reports it Ready, starts the Lease heartbeat. */
  static async register(api: KubeApi, node: NodeFacts): Promise<NodeRegistration> {
    const reg = new NodeRegistration(api, node);
    try {
      await api.request('POST', '/api/v1/nodes', {
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name: node.name, labels: node.labels }, spec: { podCIDR: node.podCidr, podCIDRs: [node.podCidr] } },
      });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    }
    const osImage = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readOr('/etc/os-release', ''))?.[1] ?? 'Linux';
    await api.request('PATCH', `/api/v1/nodes/${node.name}/status`, {
      contentType: mergePatch,
      body: {
        status: {
          capacity: node.allocatable,
          allocatable: node.allocatable,
          addresses: [
            { type: 'InternalIP', address: node.address },
            { type: 'Hostname', address: node.name },
          ],
          nodeInfo: {
            kubeletVersion: `v${k8sVersion}`,
            kubeProxyVersion: '',
            containerRuntimeVersion: 'askr-e2e://0.1.0',
            operatingSystem: 'linux',
            architecture: node.labels['kubernetes.io/arch'] ?? process.arch,
            kernelVersion: release(),
            osImage,
            machineID: readOr('/etc/machine-id', ''),
            systemUUID: '',
            bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
          },
          daemonEndpoints: { kubeletEndpoint: { Port: node.kubeletPort } },
        },
      },
    });
    await reg.setReady(true);
    await reg.renewLease();
    reg.timer = setInterval(() => {
      reg.renewLease().catch(() => undefined);
    }, leaseRenewMs);
    reg.timer.unref();
    return reg;
  }

  /** Stops the heartbeat and reports the node not ready (best effort, 5 s bound). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.setReady(false).catch(() => undefined);
  }

  private async setReady(ready: boolean): Promise<void> {
    const t = seconds();
    const cond = (type: string, status: string, reason: string, message: string): Record<string, string> => ({ type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: t });
    await this.api.request('PATCH', `/api/v1/nodes/${this.node.name}/status`, {
      contentType: mergePatch,
      timeoutMs: 5000,
      body: {
        status: {
          conditions: [
            cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
            cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
            cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
            ready ? cond('Ready', 'True', 'KubeletReady', 'askr-e2e node agent is posting ready status') : cond('Ready', 'False', 'KubeletNotReady', 'askr-e2e node agent stopped'),
          ],
        },
      },
    });
  }

  /** The node heartbeat the node lifecycle controller reads (kube-node-lease/<node>). */
  private async renewLease(): Promise<void> {
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.node.name}`;
    const spec = { holderIdentity: this.node.name, leaseDurationSeconds: 40, renewTime: microTime() };
    try {
      await this.api.request('PATCH', path, { body: { spec }, contentType: mergePatch, timeoutMs: 5000 });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      await this.api.request('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.node.name }, spec },
        timeoutMs: 5000,
      });
    }
  }
}
