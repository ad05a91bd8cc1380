import { mkdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ApiForwarder } from './api-forwarder.js';
import { ClusterDns } from './cluster-dns.js';
import type { Backoff } from './container-runner.js';
import type { ControlPlane } from './control-plane.js';
import { HarnessError } from './errors.js';
import { HarnessRun } from './harness-run.js';
import { ImageRegistry } from './images.js';
import { KubeletServer } from './kubelet-server.js';
import { ListWatch } from './list-watch.js';
import { readLogTail } from './managed-process.js';
import { NodeRegistration } from './node-registration.js';
import { PodNetwork } from './pod-network.js';
import type { Pod } from './pod-types.js';
import { PodWorker } from './pod-worker.js';
import { ServiceProxy } from './service-proxy.js';

/** Options of `startNodeAgent`. */
export interface NodeAgentOptions {
  /** Name of the Node to register. Default `askr-e2e-node`. */
  nodeName?: string;
  /** Bind only pending pods of these namespaces. Default: every namespace. */
  namespaces?: string[];
  /** Images the agent can run. Default `ImageRegistry.withDefaults()`. */
  images?: ImageRegistry;
  /** Crash-loop back-off in milliseconds. Default 10 000 doubling to 300 000, as a kubelet. */
  backoff?: Partial<Backoff>;
  /** Node capacity to advertise. Default: this machine's CPUs and memory, 110 pods. */
  capacity?: Record<string, string>;
}

/** What a node runs besides pods: the pod network and the stand-ins for kube-proxy, CoreDNS and the kubelet's API. */
interface NodeAddons {
  network: PodNetwork;
  forwarder: ApiForwarder;
  dns: ClusterDns;
  services: ServiceProxy;
  kubelet: KubeletServer;
}

/** Stops whichever add-ons started, in reverse order. */
async function stopAddons(a: Partial<NodeAddons>): Promise<void> {
  await a.kubelet?.close();
  await a.services?.stop();
  await a.dns?.close();
  await a.forwarder?.close();
  await a.network?.destroy();
}

/**
 * A node for the test cluster: registers a Ready Node with capacity and keeps
 * its Lease renewed, binds pending pods to itself, and runs each as local
 * processes in its own network namespace (an address in the cluster's pod
 * /24), with the pod's volumes, env and probes, reporting status as a kubelet
 * does. It also stands in for the cluster's add-ons: DNS for Services
 * (`ClusterDns`) and ClusterIP routing (`ServiceProxy`). The API server's pod
 * and service proxies reach pods; `kubectl logs` and WebSocket port-forward
 * (client-node's `PortForward`) work through `KubeletServer`; `kubectl
 * port-forward`, `exec` and `attach` need a kubelet's SPDY streams, which this
 * agent does not serve.
 */
export class NodeAgent {
  readonly nodeName: string;
  readonly images: ImageRegistry;
  private readonly workers = new Map<string, PodWorker>();
  /** Workers of pods that are gone, by `namespace/name`, so their logs stay readable. */
  private readonly retired = new Map<string, PodWorker>();
  private readonly finished = new Set<string>();
  private readonly binding = new Set<string>();
  private watch: ListWatch<Pod> | undefined;
  private registration: NodeRegistration | undefined;
  private stopped = false;
  private readonly dir: string;
  private readonly backoff: Backoff;
  private readonly allocatable: Record<string, string>;

  private constructor(
    private readonly cp: ControlPlane,
    private readonly addons: NodeAddons,
    private readonly opts: NodeAgentOptions,
  ) {
    this.nodeName = opts.nodeName ?? 'askr-e2e-node';
    this.images = opts.images ?? ImageRegistry.withDefaults();
    this.dir = join(HarnessRun.current().dir, `node-${this.nodeName}`);
    this.backoff = { initialMs: opts.backoff?.initialMs ?? 10_000, maxMs: opts.backoff?.maxMs ?? 300_000 };
    const disk = statfsSync(HarnessRun.current().dir);
    this.allocatable = {
      cpu: String(cpus().length),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: '110',
      'ephemeral-storage': `${Math.floor((disk.bavail * disk.bsize) / 1024)}Ki`,
      ...opts.capacity,
    };
  }

  /** The pod's IP once the agent has given it a network ('namespace', 'name'). */
  podIp(namespace: string, name: string): string | undefined {
    for (const w of this.workers.values()) if (w.key === `${namespace}/${name}`) return w.podIp;
    return undefined;
  }

  /**
   * What a container of a pod wrote to stdout and stderr (its current or
   * previous run; still readable after the pod is deleted, until the agent stops); '' if none.
   */
  logs(namespace: string, name: string, container: string, opts: { previous?: boolean } = {}): string {
    const file = this.logFile(namespace, name, container, opts.previous ?? false);
    return file === undefined ? '' : readLogTail(file, 1 << 20);
  }

  private logFile(namespace: string, name: string, container: string, previous: boolean): string | undefined {
    const key = `${namespace}/${name}`;
    const w = [...this.workers.values()].find((x) => x.key === key) ?? this.retired.get(key);
    return w?.logFile(container, previous);
  }

  /** Stops every pod's processes, removes the pod networks and the bridge, marks the Node not ready. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.watch?.stop();
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
    this.retired.clear();
    await stopAddons(this.addons);
    await this.registration?.stop();
    rmSync(this.dir, { recursive: true, force: true });
    HarnessRun.current().removeCreatedPathsIfIdle();
  }

  /** Starts an agent on a control plane. Needs root (network namespaces, mounts). */
  static async start(cp: ControlPlane, opts: NodeAgentOptions = {}): Promise<NodeAgent> {
    if (process.getuid?.() !== 0) throw new HarnessError('ASKR_ERR_K8S_NETWORK', 'the node agent needs root (network namespaces, veths, mounts)');
    const gateway = cp.podNetwork.gateway;
    const addons: Partial<NodeAddons> = {};
    let agent: NodeAgent | undefined;
    try {
      addons.network = await PodNetwork.create(cp.podNetwork, HarnessRun.current());
      addons.forwarder = await ApiForwarder.start(gateway, { host: '127.0.0.1', port: Number(new URL(cp.server).port) });
      addons.dns = await ClusterDns.start(gateway, cp.api);
      addons.services = await ServiceProxy.start(cp.api, addons.network.bridge);
      const tls = { cert: readFileSync(join(cp.pkiDir, 'apiserver.crt'), 'utf8'), key: readFileSync(join(cp.pkiDir, 'apiserver.key'), 'utf8') };
      addons.kubelet = await KubeletServer.start(
        gateway,
        tls,
        (ns, pod, container, previous) => agent?.logFile(ns, pod, container, previous),
        (ns, pod) => agent?.podIp(ns, pod),
      );
      const started = new NodeAgent(cp, addons as NodeAddons, opts);
      agent = started;
      mkdirSync(started.dir, { recursive: true });
      started.registration = await NodeRegistration.register(cp.api, {
        name: started.nodeName,
        labels: started.labels,
        podCidr: cp.podNetwork.cidr,
        address: gateway,
        allocatable: started.allocatable,
        kubeletPort: addons.kubelet.port,
      });
      started.watch = new ListWatch<Pod>(cp.api, '/api/v1/pods', (type, pod) => {
        started.onPod(type, pod);
      });
      await started.watch.start();
      return started;
    } catch (err) {
      await stopAddons(addons);
      throw err;
    }
  }

  /** The Node's labels (what nodeSelectors match). */
  get labels(): Record<string, string> {
    return { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch, 'node-role.kubernetes.io/askr-e2e': '' };
  }

  private get serviceEnv(): Record<string, string> {
    const { host, port } = this.addons.forwarder;
    return {
      KUBERNETES_SERVICE_HOST: host,
      KUBERNETES_SERVICE_PORT: String(port),
      KUBERNETES_SERVICE_PORT_HTTPS: String(port),
      KUBERNETES_PORT: `tcp://${host}:${port}`,
      [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${host}:${port}`,
      [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
      [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
      [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
    };
  }

  /** Whether to bind a pending pod here: our namespaces, the default scheduler, a nodeSelector our labels meet. */
  private wanted(pod: Pod): boolean {
    const ns = this.opts.namespaces;
    const selectorMet = Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => this.labels[k] === v);
    return (pod.spec.schedulerName ?? 'default-scheduler') === 'default-scheduler' && (ns === undefined || ns.includes(pod.metadata.namespace)) && selectorMet;
  }

  private onPod(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid;
    if (type === 'DELETED') {
      this.workers.get(uid)?.deleted();
      this.finished.delete(uid);
      return;
    }
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (pod.spec.nodeName === undefined || pod.spec.nodeName === '') {
      if (!terminal && pod.metadata.deletionTimestamp === undefined && this.wanted(pod)) void this.bind(pod);
      return;
    }
    if (pod.spec.nodeName !== this.nodeName) return;
    const worker = this.workers.get(uid);
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (worker) {
      worker.update(pod);
    } else if (pod.metadata.deletionTimestamp !== undefined) {
      // Nothing of it runs here (finished, or left by an earlier agent): let the API server drop it.
      void this.forceDelete(pod);
    } else if (!this.finished.has(uid) && !terminal) {
      this.workers.set(
        uid,
        new PodWorker(pod, {
          api: this.cp.api,
          network: this.addons.network,
          images: this.images,
          nodeName: this.nodeName,
          hostIp: this.cp.podNetwork.gateway,
          serviceEnv: this.serviceEnv,
          resolvConf: (namespace) => this.addons.dns.resolvConf(namespace),
          allocatable: this.allocatable,
          podDir: join(this.dir, 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${uid}`),
          shmDir: join(HarnessRun.current().shmDir, uid),
          backoff: this.backoff,
          onGone: () => {
            const w = this.workers.get(uid);
            if (w) this.retired.set(key, w);
            this.workers.delete(uid);
            this.finished.add(uid);
          },
        }),
      );
    }
  }

  private async bind(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid;
    if (this.binding.has(uid)) return;
    this.binding.add(uid);
    try {
      await this.cp.api.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/binding`, {
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name, uid }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
      });
    } catch {
      // Bound elsewhere meanwhile, or deleted: the watch shows what happened.
      this.binding.delete(uid);
    }
  }

  private async forceDelete(pod: Pod): Promise<void> {
    await this.cp.api
      .request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
      })
      .catch(() => undefined);
  }
}

/** Starts a node agent on a control plane (see `NodeAgent`). */
export function startNodeAgent(cp: ControlPlane, opts: NodeAgentOptions = {}): Promise<NodeAgent> {
  return NodeAgent.start(cp, opts);
}
