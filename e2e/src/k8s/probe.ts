import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from './errors.js';
import { HarnessRun } from './harness-run.js';
import type { Container, Handler, Probe } from './pod-types.js';

/** Where a probe or lifecycle handler runs: the pod's address and the container's process. */
export interface HandlerTarget {
  podIp: string;
  container: Container;
  /** PID of the container's main process (exec handlers join its namespaces). */
  pid: number;
  /** The container's environment, for exec handlers. */
  env: Record<string, string>;
}

/** Result of one probe or handler run. */
export interface HandlerResult {
  ok: boolean;
  message: string;
}

function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

function httpGet(h: NonNullable<Handler['httpGet']>, t: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const https = h.scheme === 'HTTPS';
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.36' };
    for (const x of h.httpHeaders ?? []) headers[x.name] = x.value;
    const req = (https ? httpsRequest : httpRequest)(
      { host: h.host ?? t.podIp, port: resolvePort(h.port, t.container), path: h.path ?? '/', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, message: `HTTP probe answered ${code}` });
      },
    );
    req.on('timeout', () => {
      req.destroy(new HarnessError('ASKR_ERR_K8S_TIMEOUT', `no answer within ${timeoutMs} ms`));
    });
    req.on('error', (err) => {
      resolve({ ok: false, message: `HTTP probe failed: ${err.message}` });
    });
    req.end();
  });
}

function tcpSocket(h: NonNullable<Handler['tcpSocket']>, t: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const s = connect({ host: h.host ?? t.podIp, port: resolvePort(h.port, t.container), timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, message: 'connected' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, message: `no connection within ${timeoutMs} ms` });
    });
    s.once('error', (err) => {
      resolve({ ok: false, message: `TCP probe failed: ${err.message}` });
    });
  });
}

/** Runs a command inside the container's network, mount and UTS namespaces, in its working directory. */
function execIn(command: string[], t: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  return new Promise((resolve) => {
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'nsenter', '-t', String(t.pid), '-n', '-m', '-u', '--wd', '--', ...command], {
      env: { ...t.env, ...HarnessRun.current().ownerEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, message: signal ? `command timed out after ${timeoutMs} ms` : `command exited ${code ?? '?'}: ${out.slice(-500)}` });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: err.message });
    });
  });
}

/** Runs a probe or lifecycle handler once, within `timeoutMs` milliseconds. */
export async function runHandler(h: Handler, t: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  if (h.httpGet) return httpGet(h.httpGet, t, timeoutMs);
  if (h.tcpSocket) return tcpSocket(h.tcpSocket, t, timeoutMs);
  if (h.exec) return execIn(h.exec.command, t, timeoutMs);
  if (h.sleep) {
    // A hook never outlasts the grace period it runs in. Unref'd: a pod still
    // in its preStop sleep when the agent stops must not keep the process alive.
    await sleep(Math.min(h.sleep.seconds * 1000, timeoutMs), undefined, { ref: false });
    return { ok: true, message: 'slept' };
  }
  return { ok: false, message: 'grpc probes are not supported by the test node agent' };
}

/**
 * Runs one probe periodically with a kubelet's semantics: the first run after
 * `initialDelaySeconds`, then every `periodSeconds` (default 10), each bounded
 * by `timeoutSeconds` (default 1); `onResult(true)` after `successThreshold`
 * consecutive successes (default 1), `onResult(false)` after `failureThreshold`
 * consecutive failures (default 3). Each outcome is reported on every run that
 * reaches its threshold, so a liveness failure keeps firing until handled.
 */
export class ProbeLoop {
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private successes = 0;
  private failures = 0;

  constructor(
    private readonly probe: Probe,
    private readonly target: HandlerTarget,
    private readonly onResult: (ok: boolean, message: string) => void,
  ) {}

  /** Starts probing. */
  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  /** Stops probing; a probe in flight is ignored. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick();
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const r = await runHandler(this.probe, this.target, (this.probe.timeoutSeconds ?? 1) * 1000);
    if (this.stopped) return;
    if (r.ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= (this.probe.successThreshold ?? 1)) this.onResult(true, r.message);
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= (this.probe.failureThreshold ?? 3)) this.onResult(false, r.message);
    }
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }
}
