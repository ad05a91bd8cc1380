import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { HarnessError } from './errors.js';
import { HarnessRun } from './harness-run.js';

/** How a process ended: its exit code, or the signal that killed it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to start. */
export interface ManagedProcessOptions {
  /** Executable (a path, or a name looked up on the parent's PATH). */
  command: string;
  args: string[];
  /** The complete environment of the process (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/**
 * A child process the harness owns. It runs in a process group of its own (so
 * everything it forks can be stopped together), is killed by the kernel if the
 * test process dies (`setpriv --pdeathsig`), carries the run's owner variable
 * (so a later run reaps it if even that failed), and is SIGKILLed by the run's
 * exit hook if nobody stopped it.
 */
export class ManagedProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves once the main process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  private exit: ProcessExit | undefined;
  private readonly removeHook: () => void;
  private readonly child: ChildProcess;

  private constructor(child: ChildProcess, logFile: string) {
    if (child.pid === undefined) throw new HarnessError('ASKR_ERR_K8S_PROCESS', `cannot start process (see ${logFile})`);
    this.child = child;
    this.pid = child.pid;
    this.logFile = logFile;
    const run = HarnessRun.current();
    this.removeHook = run.addExitHook(() => {
      this.killGroup();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        // As when a container's PID 1 exits, whatever it left running goes too.
        this.killGroup();
        this.removeHook();
        resolve(this.exit);
      });
      child.once('error', () => {
        this.exit ??= { code: 127, signal: null };
        this.removeHook();
        resolve(this.exit);
      });
    });
  }

  /** Starts a process; throws if it cannot be spawned at all. */
  static start(opts: ManagedProcessOptions): ManagedProcess {
    const run = HarnessRun.current();
    const fd = openSync(opts.logFile, 'a');
    try {
      const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', opts.command, ...opts.args], {
        cwd: opts.cwd,
        env: { ...opts.env, ...run.ownerEnv },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
      // Unref'd: a forgotten process must not keep the test process alive; the exit hook kills it.
      child.unref();
      return new ManagedProcess(child, opts.logFile);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Resolves once the process has exited, keeping the event loop alive meanwhile
   * (the child is otherwise unreferenced so a forgotten one never blocks exit).
   */
  async waitExit(): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.child.ref();
    try {
      return await this.exited;
    } finally {
      this.child.unref();
    }
  }

  /** The exit status, once exited. */
  get exitStatus(): ProcessExit | undefined {
    return this.exit;
  }

  /** Sends a signal to the main process only (as a kubelet signals a container's PID 1). */
  signal(sig: NodeJS.Signals): void {
    if (this.exit) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      // Exited in between.
    }
  }

  /** SIGKILLs the whole process group, synchronously. */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // No member left.
    }
  }

  /**
   * Stops the process: SIGTERM to the main process, then SIGKILL to the group
   * after `graceMs` (milliseconds) if it has not exited. Resolves once it exited.
   */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.killGroup();
        resolve();
      }, graceMs);
    });
    await Promise.race([this.waitExit(), killed]);
    clearTimeout(timer);
    return this.waitExit();
  }

  /** The last `bytes` of the log, for error messages. */
  logTail(bytes = 4000): string {
    return readLogTail(this.logFile, bytes);
  }
}

/** The last `bytes` of a log file ('' if it does not exist). */
export function readLogTail(file: string, bytes = 4000): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, 'utf8');
    return size > bytes ? text.slice(-bytes) : text;
  } catch {
    return '';
  }
}
