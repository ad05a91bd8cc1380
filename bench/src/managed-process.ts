// A child process the harness started and must stop: nginx, php-fpm, varnishd,
// askr serve, the PHP template, the scripts of the extra rows. Each one runs in
// a process group of its own, so that stopping it by its PID also reaches the
// processes it forked (FPM children, PHP workers, Varnish's cache process), and
// every one is remembered until it has exited, so Ctrl-C or a failure never
// leaves a server behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BenchError } from './errors.js';

/** Every process started and not yet known to be gone. */
const live = new Set<ManagedProcess>();

/** Kills every live process group at once (SIGKILL): for exit paths that cannot wait. */
export function killAllNow(): void {
  for (const p of live) p.killGroup('SIGKILL');
  live.clear();
}

/** Stops every live process (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAll(graceMs = 5000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(graceMs)));
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Lines kept from stdout and stderr (the last ones), for error messages. */
  keepLines?: number;
}

/** One started process: its PID, its output lines, a bounded wait for a line, and stop(). */
export class ManagedProcess {
  readonly pid: number;
  readonly command: string;
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly keep: number;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitWaiters: (() => void)[] = [];
  private readonly closed: Promise<void>;
  private readonly lineWaiters = new Set<(line: string) => void>();

  private constructor(file: string, args: readonly string[], options: StartOptions) {
    this.command = [file, ...args].join(' ');
    this.keep = options.keepLines ?? 200;
    this.child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own: stop() reaches its children, and a terminal's Ctrl-C
      // reaches only the harness, which then stops everything in order.
      detached: true,
    });
    if (this.child.pid === undefined) throw new BenchError('ASKR_ERR_BENCH_TOOL', `cannot start ${file}`);
    this.pid = this.child.pid;
    const onLine = (line: string): void => {
      this.lines.push(line);
      if (this.lines.length > this.keep) this.lines.shift();
      for (const w of [...this.lineWaiters]) w(line);
    };
    if (this.child.stdout) createInterface({ input: this.child.stdout }).on('line', onLine);
    if (this.child.stderr) createInterface({ input: this.child.stderr }).on('line', onLine);
    this.closed = new Promise((resolve) => this.child.once('close', () => { resolve(); }));
    this.child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  /** Starts `file args…`; throws ASKR_ERR_BENCH_TOOL when the program cannot be run at all. */
  static start(file: string, args: readonly string[], options: StartOptions = {}): Promise<ManagedProcess> {
    return new Promise((resolve, reject) => {
      let p: ManagedProcess;
      try {
        p = new ManagedProcess(file, args, options);
      } catch (err) {
        reject(err instanceof BenchError ? err : new BenchError('ASKR_ERR_BENCH_TOOL', `cannot start ${file}: ${String(err)}`));
        return;
      }
      live.add(p);
      p.child.once('error', (err) => {
        live.delete(p);
        reject(new BenchError('ASKR_ERR_BENCH_TOOL', `cannot start ${file}: ${err.message}`));
      });
      p.child.once('spawn', () => { resolve(p); });
    });
  }

  get exited(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitInfo;
  }

  /** The last output lines, for an error message. */
  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  /** Resolves with the first line (already seen or to come) matching `pattern`; rejects at the deadline or on exit. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.lineWaiters.delete(onLine);
      };
      const onLine = (line: string): void => {
        if (!pattern.test(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new BenchError('ASKR_ERR_BENCH_START', `${this.command}: no line matching ${String(pattern)} within ${timeoutMs} ms:\n${this.tail()}`));
      }, timeoutMs);
      this.lineWaiters.add(onLine);
      this.waitExit().then(() => {
        if (!this.lineWaiters.has(onLine)) return;
        done();
        reject(new BenchError('ASKR_ERR_BENCH_START', `${this.command} exited (${this.describeExit()}) before printing ${String(pattern)}:\n${this.tail()}`));
      }, () => undefined);
    });
  }

  /** Resolves when the process has exited (no deadline: callers race it against their own). */
  waitExit(): Promise<void> {
    if (this.exitInfo) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Resolves when the process has exited and its output has been read to the end. */
  waitClosed(): Promise<void> {
    return this.closed;
  }

  describeExit(): string {
    const e = this.exitInfo;
    if (!e) return 'running';
    return e.signal ? `signal ${e.signal}` : `exit code ${String(e.code)}`;
  }

  /** Sends `signal` to the whole process group; a group already gone is not an error. */
  killGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: nothing left in the group.
    }
  }

  /**
   * Stops the process: SIGTERM to the leader (servers drain and stop their own
   * children), SIGKILL to the group after `graceMs`, and a final SIGKILL to the
   * group so that no orphan of it survives.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.exitInfo) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => { this.killGroup('SIGKILL'); }, graceMs);
      await this.waitExit();
      clearTimeout(timer);
    }
    this.killGroup('SIGKILL');
    live.delete(this);
  }
}
