import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { HarnessError } from '../errors.js';

/** The shape of a load burst. */
export interface WrkLoadOptions {
  /** Target URL (a pod IP or a Service's ClusterIP, reachable from the host). */
  url: string;
  /** Open connections, each with one request in flight. */
  connections: number;
  /** Longest the burst runs, seconds (wrk's `-d`); `stop()` ends it earlier. */
  seconds: number;
  /** Per-request timeout, seconds (wrk's `--timeout`). Default 10. */
  timeoutSeconds?: number;
}

/** What wrk reported at the end of a burst. */
export interface WrkSummary {
  /** Responses received. */
  requests: number;
  /** Responses whose status was not 2xx or 3xx. */
  non2xx: number;
  /** wrk's socket error line, when there was one (`connect 0, read 0, write 0, timeout 3`). */
  socketErrors: string | undefined;
  /** wrk's whole output. */
  output: string;
}

/** Whether `wrk` is on PATH. */
export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * A bounded load burst from the host with `wrk` (one thread): it ends by
 * itself after `seconds`, `stop()` ends it earlier (SIGINT: wrk still prints
 * its summary), and it is killed outright if it outlives its bound by 15 s.
 */
export class WrkLoad {
  /** Resolves with the summary when wrk exits. */
  readonly done: Promise<WrkSummary>;
  private readonly child: ChildProcess;
  private exited = false;

  private constructor(opts: WrkLoadOptions) {
    const args = ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, `--timeout`, `${opts.timeoutSeconds ?? 10}s`, opts.url];
    this.child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const child = this.child;
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { output += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { output += d; });
    const killer = setTimeout(() => { child.kill('SIGKILL'); }, (opts.seconds + 15) * 1000);
    this.done = new Promise((resolve, reject) => {
      child.on('error', (err) => {
        clearTimeout(killer);
        this.exited = true;
        reject(new HarnessError('ASKR_ERR_K8S_PROCESS', `wrk ${args.join(' ')}: ${err.message}`, { cause: err }));
      });
      child.on('close', () => {
        clearTimeout(killer);
        this.exited = true;
        resolve({
          requests: Number(/(\d+) requests in /.exec(output)?.[1] ?? 0),
          non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
          socketErrors: /Socket errors: (.*)/.exec(output)?.[1],
          output,
        });
      });
    });
  }

  /** Starts a burst. */
  static start(opts: WrkLoadOptions): WrkLoad {
    return new WrkLoad(opts);
  }

  /** Ends the burst now (no-op once wrk has exited) and resolves with its summary. */
  stop(): Promise<WrkSummary> {
    if (!this.exited) this.child.kill('SIGINT');
    return this.done;
  }
}
