import { mkdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { launchContainer } from './container-launch.js';
import type { ImageRegistry, LocalImage } from './images.js';
import type { ManagedProcess, ProcessExit } from './managed-process.js';
import type { Container, ContainerState, ContainerStatus, Pod } from './pod-types.js';
import type { ContainerMount } from './pod-volumes.js';
import { ProbeLoop, runHandler } from './probe.js';
import type { HandlerTarget } from './probe.js';

/** When a container is started again after it exits. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** Crash-loop back-off, in milliseconds (a kubelet uses 10 s doubling to 5 min). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** What a container runner needs from its pod. */
export interface ContainerRunnerDeps {
  container: Container;
  restartPolicy: RestartPolicy;
  images: ImageRegistry;
  /** The latest pod object (termination grace, for example, may change). */
  pod: () => Pod;
  /** Resolves the container's env; throws ContainerConfigError when a reference is missing. */
  env: () => Promise<Record<string, string>>;
  mounts: (env: Record<string, string>) => ContainerMount[];
  podIp: string;
  netnsPath: string;
  hostname: string;
  /** The container's directory under the pod's (logs, writable layers). */
  dir: string;
  backoff: Backoff;
  /** The status changed: write the pod's status. */
  onChange: () => void;
  /** Records a Kubernetes Event about the pod (reason as a kubelet names it). */
  onEvent: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Waiting reason before the first start: ContainerCreating, or PodInitializing behind init containers. */
  initialReason: string;
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A kubelet resets the crash-loop back-off after a container ran this long. */
const backoffResetMs = 10 * 60_000;

function exitCode(exit: ProcessExit): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal === null ? 0 : (constants.signals as Record<string, number | undefined>)[exit.signal] ?? 0;
  return 128 + n;
}

/**
 * One container of a pod, run as a kubelet runs it: started from its image
 * with the pod's env and mounts, probed (startup, then liveness and
 * readiness), restarted with crash-loop back-off per its restart policy,
 * stopped with preStop, SIGTERM, grace and SIGKILL. `status()` is its
 * ContainerStatus.
 */
export class ContainerRunner {
  /** Resolves with the final state once the container will not run again. */
  readonly done: Promise<ContainerState>;
  private resolveDone!: (s: ContainerState) => void;
  private proc: ManagedProcess | undefined;
  private state: ContainerState;
  private lastState: ContainerState = {};
  private restartCount = 0;
  private ready = false;
  private started = false;
  private stopping = false;
  private wake: (() => void) | undefined;
  private probes: ProbeLoop[] = [];
  private startedWaiters: (() => void)[] = [];
  private attempt = 0;
  private env: Record<string, string> = {};
  private looping = false;

  constructor(private readonly deps: ContainerRunnerDeps) {
    this.state = { waiting: { reason: deps.initialReason } };
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Starts the run loop (returns at once). */
  start(): void {
    if (this.looping || this.stopping) return;
    this.looping = true;
    this.loop().catch((err: unknown) => {
      // Never expected; reported rather than left to crash the test process.
      this.setState({ waiting: { reason: 'RunContainerError', message: String(err) } });
      this.resolveDone(this.state);
    });
  }

  /** Resolves once the container has started (its startup probe passed), or it will never start. */
  whenStarted(): Promise<void> {
    if (this.started) return Promise.resolve();
    return new Promise((resolve) => {
      this.startedWaiters.push(resolve);
      void this.done.then(() => {
        resolve();
      });
    });
  }

  get isReady(): boolean {
    return this.ready;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** The log file of the current (or `previous`) run; undefined if there is none. */
  logFile(previous = false): string | undefined {
    const n = previous ? this.attempt - 1 : this.attempt;
    return n >= 1 ? join(this.deps.dir, `${n}.log`) : undefined;
  }

  /** The ContainerStatus a kubelet would report. */
  status(image: string): ContainerStatus {
    return {
      name: this.deps.container.name,
      image,
      imageID: `askr-e2e://${image}`,
      ...(this.proc && !this.proc.exitStatus ? { containerID: `askr-e2e://${this.proc.pid}` } : {}),
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }

  /**
   * Stops the container for good: preStop hook (unless `runPreStop` is false),
   * SIGTERM, then SIGKILL when `graceMs` (milliseconds, hook included) run
   * out. Resolves when it exited.
   */
  async stop(graceMs: number, runPreStop = true): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (!this.looping) {
      this.resolveDone(this.state);
      return;
    }
    await this.terminate(graceMs, runPreStop);
    await this.done;
  }

  private async terminate(graceMs: number, runPreStop: boolean): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitStatus) return;
    this.stopProbes();
    const deadline = Date.now() + graceMs;
    const preStop = this.deps.container.lifecycle?.preStop;
    if (runPreStop && preStop) await runHandler(preStop, this.target(proc), graceMs);
    // A kubelet grants at least 2 s after the hook before it kills.
    await proc.stop(Math.max(deadline - Date.now(), 2000));
  }

  private target(proc: ManagedProcess): HandlerTarget {
    return { podIp: this.deps.podIp, container: this.deps.container, pid: proc.pid, env: this.env };
  }

  private stopProbes(): void {
    for (const p of this.probes) p.stop();
    this.probes = [];
  }

  private setState(state: ContainerState): void {
    this.state = state;
    this.deps.onChange();
  }

  private markStarted(): void {
    this.started = true;
    for (const w of this.startedWaiters.splice(0)) w();
  }

  private async loop(): Promise<void> {
    const c = this.deps.container;
    while (!this.stopping) {
      let image: LocalImage;
      let env: Record<string, string>;
      let mounts: ContainerMount[];
      try {
        image = this.deps.images.resolve(c.image);
        env = await this.deps.env();
        mounts = this.deps.mounts(env);
      } catch (err) {
        const reason = (err as { code?: string }).code === 'ASKR_ERR_K8S_IMAGE' ? 'ErrImagePull' : 'CreateContainerConfigError';
        this.setState({ waiting: { reason, message: (err as Error).message } });
        this.deps.onEvent('Warning', 'Failed', (err as Error).message);
        await this.pause(this.deps.backoff.initialMs);
        continue;
      }
      this.attempt++;
      const attemptDir = join(this.deps.dir, `run-${this.attempt}`);
      this.env = env;
      const startedAt = now();
      const began = Date.now();
      let proc: ManagedProcess;
      try {
        rmSync(attemptDir, { recursive: true, force: true });
        mkdirSync(attemptDir, { recursive: true });
        proc = launchContainer({ container: c, image, env, mounts, netnsPath: this.deps.netnsPath, hostname: this.deps.hostname, attemptDir, logFile: join(this.deps.dir, `${this.attempt}.log`) });
      } catch (err) {
        // A mount source vanished, a mount point cannot be created …: the runtime's error, retried.
        this.setState({ waiting: { reason: 'CreateContainerError', message: (err as Error).message } });
        this.deps.onEvent('Warning', 'Failed', (err as Error).message);
        await this.pause(this.deps.backoff.initialMs);
        continue;
      }
      this.proc = proc;
      this.ready = false;
      this.setState({ running: { startedAt } });
      this.deps.onEvent('Normal', 'Started', `Started container ${c.name}`);
      this.startProbes(proc);
      const exit = await proc.exited;
      this.stopProbes();
      this.ready = false;
      this.started = false;
      rmSync(attemptDir, { recursive: true, force: true });
      const code = exitCode(exit);
      const terminated: ContainerState = {
        terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now(), containerID: `askr-e2e://${proc.pid}`, ...(exit.signal ? { signal: code - 128 } : {}) },
      };
      const again = !this.isStopping() && (this.deps.restartPolicy === 'Always' || (this.deps.restartPolicy === 'OnFailure' && code !== 0));
      if (!again) {
        this.setState(terminated);
        break;
      }
      if (Date.now() - began > backoffResetMs) this.restartCount = 0;
      this.restartCount++;
      this.lastState = terminated;
      // The first restart is immediate; then 10 s, 20 s, 40 s … up to 5 min, as a kubelet does.
      const delay = this.restartCount <= 1 ? 0 : Math.min(this.deps.backoff.initialMs * 2 ** (this.restartCount - 2), this.deps.backoff.maxMs);
      if (delay > 0) {
        const message = `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${this.deps.pod().metadata.name}`;
        this.setState({ waiting: { reason: 'CrashLoopBackOff', message } });
        this.deps.onEvent('Warning', 'BackOff', message);
        await this.pause(delay);
      }
    }
    this.resolveDone(this.state);
    for (const w of this.startedWaiters.splice(0)) w();
  }

  private startProbes(proc: ManagedProcess): void {
    const c = this.deps.container;
    const target = this.target(proc);
    const grace = (p?: { terminationGracePeriodSeconds?: number }): number => (p?.terminationGracePeriodSeconds ?? this.deps.pod().spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const kill = (why: string, probeGrace: number): void => {
      this.stopProbes();
      this.deps.onEvent('Warning', 'Unhealthy', why);
      this.deps.onEvent('Normal', 'Killing', `Container ${c.name} failed a probe, will be restarted`);
      void this.terminate(probeGrace, true);
    };
    const afterStart = (): void => {
      this.markStarted();
      if (c.livenessProbe) {
        const liveness = c.livenessProbe;
        const loop = new ProbeLoop(liveness, target, (ok, msg) => {
          if (!ok) kill(`liveness probe failed: ${msg}`, grace(liveness));
        });
        this.probes.push(loop);
        loop.start();
      }
      if (c.readinessProbe) {
        const loop = new ProbeLoop(c.readinessProbe, target, (ok) => {
          if (ok !== this.ready) {
            this.ready = ok;
            this.deps.onChange();
          }
        });
        this.probes.push(loop);
        loop.start();
      } else {
        this.ready = true;
      }
      this.deps.onChange();
    };
    if (c.startupProbe) {
      const startup = c.startupProbe;
      const loop = new ProbeLoop(startup, target, (ok, msg) => {
        loop.stop();
        this.probes = this.probes.filter((p) => p !== loop);
        if (ok) afterStart();
        else kill(`startup probe failed: ${msg}`, grace(startup));
      });
      this.probes.push(loop);
      loop.start();
    } else {
      afterStart();
    }
  }

  /** Read through a method: stop() flips it while the loop awaits. */
  private isStopping(): boolean {
    return this.stopping;
  }

  /** Sleeps up to `ms`, or until stop() wakes it. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
