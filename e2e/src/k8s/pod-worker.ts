import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveContainerEnv } from './container-env.js';
import { ContainerRunner } from './container-runner.js';
import type { Backoff, RestartPolicy } from './container-runner.js';
import type { ImageRegistry } from './images.js';
import { KubeApiError } from './kube-api.js';
import type { KubeApi } from './kube-api.js';
import type { PodNetwork, PodSandboxNetwork } from './pod-network.js';
import { PodReporter } from './pod-reporter.js';
import { buildPodStatus } from './pod-status.js';
import type { Container, ContainerStatus, Pod, PodStatus } from './pod-types.js';
import { PodVolumes } from './pod-volumes.js';

/** What a pod worker shares with its node agent. */
export interface PodWorkerDeps {
  api: KubeApi;
  network: PodNetwork;
  images: ImageRegistry;
  nodeName: string;
  /** The node's address (the pod network's gateway). */
  hostIp: string;
  /** Variables every container gets first (KUBERNETES_SERVICE_HOST/PORT …). */
  serviceEnv: Record<string, string>;
  /** /etc/resolv.conf for pods with dnsPolicy ClusterFirst (the default). */
  resolvConf: (namespace: string) => string;
  allocatable: Record<string, string>;
  /** This pod's directory (volumes, logs, hosts file). */
  podDir: string;
  /** This pod's directory on tmpfs. */
  shmDir: string;
  backoff: Backoff;
  /** Called once the worker has finished and released everything. */
  onGone: () => void;
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const retryMs = 1000;

/**
 * Runs one pod on the node, as a kubelet's pod worker: network sandbox, hosts
 * file, volumes, init containers in order (sidecars stay up), then the
 * containers; reports the status after every change; on deletion stops the
 * containers within the grace period and removes the pod with grace 0.
 */
export class PodWorker {
  /** The latest pod object (from the watch, or from our last status write). */
  private readonly ref: { current: Pod };
  private readonly reporter: PodReporter;
  private sandbox: PodSandboxNetwork | undefined;
  private volumes: PodVolumes | undefined;
  private readonly init: ContainerRunner[] = [];
  private readonly main: ContainerRunner[] = [];
  private initialized = false;
  private phase: NonNullable<PodStatus['phase']> = 'Pending';
  private reason: string | undefined;
  private message: string | undefined;
  private readonly startTime = now();
  private terminating = false;
  private finished = false;
  private wakeTerminate: (() => void) | undefined;
  private readonly terminateSignal: Promise<void>;

  constructor(
    pod: Pod,
    private readonly deps: PodWorkerDeps,
  ) {
    this.ref = { current: pod };
    this.reporter = new PodReporter(deps.api, deps.nodeName, this.ref, () => this.computeStatus());
    this.terminateSignal = new Promise((resolve) => (this.wakeTerminate = resolve));
    this.run().catch((err: unknown) => {
      this.fail('RunPodError', err);
    });
  }

  private get pod(): Pod {
    return this.ref.current;
  }

  /** The pod's IP once its sandbox exists. */
  get podIp(): string | undefined {
    return this.sandbox?.ip;
  }

  /** `namespace/name`. */
  get key(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  /** A newer version of the pod from the API server. */
  update(pod: Pod): void {
    if (pod.metadata.uid !== this.pod.metadata.uid) return;
    this.ref.current = pod;
    if (pod.metadata.deletionTimestamp !== undefined && !this.terminating) {
      this.terminate(true).catch((err: unknown) => {
        this.fail('KillPodError', err);
      });
    }
  }

  /** The pod object is gone from the API server: stop at once, write nothing more. */
  deleted(): void {
    this.reporter.stop();
    if (!this.terminating) {
      this.terminate(false).catch((err: unknown) => {
        this.fail('KillPodError', err);
      });
    }
  }

  /** The agent is stopping: stop the containers quickly and release everything, without API calls. */
  async stop(): Promise<void> {
    this.reporter.stop();
    await this.terminate(false, 0);
  }

  /** Log file of a container's current (or previous) run. */
  logFile(container: string, previous = false): string | undefined {
    const all = [...this.init, ...this.main];
    const i = [...(this.pod.spec.initContainers ?? []), ...this.pod.spec.containers].findIndex((c) => c.name === container);
    return i >= 0 ? all[i]?.logFile(previous) : undefined;
  }

  /** Records an unexpected failure on the pod (status message and Event) instead of crashing the test process. */
  private fail(reason: string, err: unknown): void {
    this.message = `${reason}: ${err instanceof Error ? err.message : String(err)}`;
    this.event('Warning', reason, this.message);
    this.scheduleStatus();
  }

  private async run(): Promise<void> {
    const pod = this.pod;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    mkdirSync(this.deps.podDir, { recursive: true });
    const attached = await this.retry('FailedCreatePodSandBox', () => this.deps.network.attach());
    if (attached && this.finished) {
      // Deleted while the sandbox was being made: release() already ran without it.
      await this.deps.network.detach(attached);
      return;
    }
    this.sandbox = attached;
    if (!this.sandbox) return;
    const etcFiles = this.writeEtcFiles(this.sandbox.ip);
    this.scheduleStatus();
    const sandbox = this.sandbox;
    this.volumes = await this.retry('FailedMount', () =>
      PodVolumes.prepare(this.pod, { api: this.deps.api, podIp: sandbox.ip, hostIp: this.deps.hostIp, allocatable: this.deps.allocatable, podDir: this.deps.podDir, shmDir: this.deps.shmDir }),
    );
    if (!this.volumes) return;
    const volumes = this.volumes;
    const podPolicy = pod.spec.restartPolicy ?? 'Always';
    const runner = (c: Container, policy: RestartPolicy, initialReason: string): ContainerRunner =>
      new ContainerRunner({
        container: c,
        restartPolicy: policy,
        images: this.deps.images,
        pod: () => this.pod,
        env: async () => ({
          HOSTNAME: this.hostname(),
          HOME: '/root',
          ...(await resolveContainerEnv(this.pod, c, { api: this.deps.api, podIp: sandbox.ip, hostIp: this.deps.hostIp, allocatable: this.deps.allocatable, serviceEnv: this.deps.serviceEnv })),
        }),
        mounts: (env) => {
          const m = volumes.mountsFor(c, env);
          // The runtime's files come first, so a volume mounted over one wins.
          return [...etcFiles.filter((f) => !m.some((x) => x.target === f.target)), ...m];
        },
        podIp: sandbox.ip,
        netnsPath: sandbox.netnsPath,
        hostname: this.hostname(),
        dir: join(this.deps.podDir, 'containers', c.name),
        backoff: this.deps.backoff,
        onChange: () => {
          this.scheduleStatus();
        },
        onEvent: (type, reason, message) => {
          this.event(type, reason, message, c.name);
        },
        initialReason,
      });
    for (const c of pod.spec.initContainers ?? []) this.init.push(runner(c, c.restartPolicy === 'Always' ? 'Always' : podPolicy === 'Never' ? 'Never' : 'OnFailure', 'PodInitializing'));
    for (const c of pod.spec.containers) this.main.push(runner(c, podPolicy, this.init.length > 0 ? 'PodInitializing' : 'ContainerCreating'));
    this.scheduleStatus();

    for (const [i, r] of this.init.entries()) {
      r.start();
      if (pod.spec.initContainers?.[i]?.restartPolicy === 'Always') {
        await Promise.race([r.whenStarted(), this.terminateSignal]);
      } else {
        const state = await Promise.race([r.done, this.terminateSignal]);
        if (this.terminating) return;
        if (state?.terminated?.exitCode !== 0) {
          // Only with restartPolicy Never does a failed init container end the pod.
          this.phase = 'Failed';
          this.reason = 'InitContainerFailed';
          this.scheduleStatus();
          await this.finish();
          return;
        }
      }
      if (this.terminating) return;
    }
    this.initialized = true;
    for (const r of this.main) r.start();
    this.scheduleStatus();
    if (podPolicy === 'Always') return;
    const ends = await Promise.race([Promise.all(this.main.map((r) => r.done)), this.terminateSignal]);
    if (!ends || this.terminating) return;
    this.phase = ends.every((s) => s.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
    await this.finish();
  }

  /** A pod that ran to completion: stop its sidecars, keep the status, release the sandbox. */
  private async finish(): Promise<void> {
    for (const r of [...this.init].reverse()) await r.stop(2000);
    this.scheduleStatus();
    await this.release();
  }

  /** Repeats a setup step until it succeeds or the pod terminates; undefined if it terminated. */
  private async retry<T>(reason: string, step: () => Promise<T>): Promise<T | undefined> {
    while (!this.terminating) {
      try {
        const v = await step();
        this.message = undefined;
        return v;
      } catch (err) {
        this.message = (err as Error).message;
        this.event('Warning', reason, this.message);
        this.scheduleStatus();
        await Promise.race([sleep(retryMs), this.terminateSignal]);
      }
    }
    return undefined;
  }

  private async terminate(thenDelete: boolean, graceOverrideMs?: number): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    this.wakeTerminate?.();
    const grace = graceOverrideMs ?? (this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const deadline = Date.now() + grace;
    this.event('Normal', 'Killing', 'Stopping containers');
    // Regular containers first, then sidecars in reverse order, as a kubelet does.
    // An agent shutting down (grace override) skips preStop hooks, as a node going away would.
    const hooks = graceOverrideMs === undefined;
    await Promise.all(this.main.map((r) => r.stop(grace, hooks)));
    for (const r of [...this.init].reverse()) await r.stop(Math.max(deadline - Date.now(), 0), hooks);
    this.scheduleStatus();
    await this.reporter.flushed();
    await this.release();
    if (thenDelete && !this.reporter.gone) {
      try {
        await this.deps.api.request('DELETE', `/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}`, {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: this.pod.metadata.uid } },
        });
      } catch (err) {
        if (!(err instanceof KubeApiError && (err.status === 404 || err.status === 409))) throw err;
      }
    }
    this.reporter.stop();
    this.deps.onGone();
  }

  private async release(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.volumes?.remove();
    if (this.sandbox) await this.deps.network.detach(this.sandbox);
  }

  private hostname(): string {
    return (this.pod.spec.hostname ?? this.pod.metadata.name).slice(0, 63);
  }

  /** The pod's /etc/hosts and (under dnsPolicy ClusterFirst) /etc/resolv.conf, as a kubelet writes them. */
  private writeEtcFiles(ip: string): { source: string; target: string; readOnly: boolean }[] {
    const hosts = join(this.deps.podDir, 'etc-hosts');
    const name = this.hostname();
    const fqdn = this.pod.spec.subdomain === undefined ? '' : `${name}.${this.pod.spec.subdomain}.${this.pod.metadata.namespace}.svc.cluster.local\t`;
    rmSync(hosts, { force: true });
    writeFileSync(hosts, `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip}\t${fqdn}${name}\n`);
    const files = [{ source: hosts, target: '/etc/hosts', readOnly: false }];
    const policy = this.pod.spec.dnsPolicy ?? 'ClusterFirst';
    if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
      const resolv = join(this.deps.podDir, 'etc-resolv.conf');
      writeFileSync(resolv, this.deps.resolvConf(this.pod.metadata.namespace));
      files.push({ source: resolv, target: '/etc/resolv.conf', readOnly: false });
    }
    return files;
  }

  private computePhase(): NonNullable<PodStatus['phase']> {
    if (this.phase === 'Succeeded' || this.phase === 'Failed') return this.phase;
    if (!this.initialized) return 'Pending';
    const statuses = this.main.map((r) => r.status(''));
    const begun = statuses.every((s) => s.state.running !== undefined || s.state.terminated !== undefined || s.restartCount > 0);
    return begun ? 'Running' : 'Pending';
  }

  private scheduleStatus(): void {
    this.reporter.schedule();
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
    this.reporter.event(type, reason, message, container);
  }

  private computeStatus(): PodStatus {
    return buildPodStatus({
      pod: this.pod,
      phase: this.computePhase(),
      podIp: this.sandbox?.ip,
      hostIp: this.deps.hostIp,
      startTime: this.startTime,
      sandboxReady: this.sandbox !== undefined && !this.finished,
      initialized: this.initialized,
      initContainerStatuses: (this.pod.spec.initContainers ?? []).map((c, i) => this.init[i]?.status(c.image) ?? waitingStatus(c, 'PodInitializing')),
      containerStatuses: this.pod.spec.containers.map((c, i) => this.main[i]?.status(c.image) ?? waitingStatus(c, 'ContainerCreating')),
      sidecarNames: (this.pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.message === undefined ? {} : { message: this.message }),
    });
  }
}

function waitingStatus(c: Container, reason: string): ContainerStatus {
  return { name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason } }, lastState: {} };
}
