import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { AskrError } from '../errors.js';
import { runtimeDir } from '../php/template-process.js';
import { encodeCommand, parseTemplateMessage, type ExitedMessage, type ReadyMessage, type StartedMessage, type TemplateCommand } from './test-protocol.js';

/** How long to wait, after the template exits, for the rest of its control lines. */
const CONTROL_DRAIN_MS = 1000;

/** The PHP side of `askr test`. */
export const testTemplateScript = join(runtimeDir, 'test-template.php');

export interface TestTemplateOptions {
  phpBinary: string;
  phpIni: readonly string[];
  root: string;
  runner: string | undefined;
  bootstrap: string | undefined;
  /** Seconds the template gives children between SIGTERM and SIGKILL when stopping. */
  graceSeconds: number;
  /** Extra environment for the template and every test. */
  env?: NodeJS.ProcessEnv;
  /**
   * File that receives whatever the template itself prints (boot warnings, a
   * fatal error in the bootstrap); read it with takeLog(). A file, not a pipe:
   * PHP turns a socket on fd 1/2 into socket streams for STDOUT/STDERR, which
   * children inherit and which fail once their fd 1/2 point at capture files.
   */
  logPath: string;
  onStarted: (message: StartedMessage) => void;
  onExited: (message: ExitedMessage) => void;
  /** The template exited after it booted; `how` says how ("exit code 1", "SIGKILL", a protocol error). */
  onGone: (how: string, expected: boolean) => void;
}

/** The environment the template starts with: the CLI's, minus `askr test`'s own variables. */
function templateEnv(o: TestTemplateOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries({ ...process.env, ...o.env })) {
    if (!k.startsWith('ASKR_TEST_') && k !== 'ASKR_APP_BASE' && k !== 'ASKR_PHP_INI') env[k] = v;
  }
  return {
    ...env,
    ASKR_APP_BASE: o.root,
    ASKR_TEST_RUNNER: o.runner ?? '',
    ASKR_TEST_BOOTSTRAP: o.bootstrap ?? '',
    ASKR_TEST_CONTROL_FD: '3',
    ASKR_TEST_GRACE: String(o.graceSeconds),
    ASKR_PHP_INI: o.phpIni.join(','),
  };
}

/**
 * One `php test-template.php` process and its control channel (fd 3). start()
 * resolves with the template's `ready` message; every child exit arrives
 * through `onExited`.
 */
export class TestTemplateProcess {
  private child: ChildProcess | null = null;
  private control: Duplex | null = null;
  private stopping = false;
  private gone: Promise<void> = Promise.resolve();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private logFd: number | null = null;
  private logRead = 0;
  private protocolError: string | undefined;

  constructor(private readonly options: TestTemplateOptions) {}

  /** Starts the template and waits for it to boot; rejects with ASKR_ERR_TEMPLATE if it cannot. */
  start(): Promise<ReadyMessage> {
    const o = this.options;
    this.logFd = openSync(o.logPath, 'a+', 0o600);
    const child = spawn(o.phpBinary, [testTemplateScript], {
      cwd: o.root,
      env: templateEnv(o),
      stdio: ['ignore', this.logFd, this.logFd, 'pipe'],
      // Its own process group: Ctrl-C reaches the CLI alone, which stops the run in order.
      detached: true,
    });
    this.child = child;
    const control = child.stdio[3] as Duplex;
    this.control = control;

    return new Promise<ReadyMessage>((resolveReady, rejectReady) => {
      let ready = false;
      let partial = '';
      let bootError: string | undefined;
      const fail = (err: Error): void => {
        if (!ready) rejectReady(err);
      };
      const controlClosed = new Promise<void>((r) => control.once('close', r));
      this.gone = new Promise<void>((resolveGone) => {
        child.on('error', (err) => {
          fail(new AskrError('ASKR_ERR_TEMPLATE', `cannot start ${o.phpBinary}: ${err.message}`));
          // Never started: there will be no exit to wait for.
          if (child.pid === undefined) {
            this.exitInfo = { code: null, signal: null };
            resolveGone();
          }
        });
        child.on('exit', (code, signal) => {
          // Exit can overtake the last lines on fd 3: read them first (bounded, since a
          // child that kept a copy of the descriptor would hold it open).
          let timer: NodeJS.Timeout | undefined;
          const drained = new Promise<void>((r) => { timer = setTimeout(r, CONTROL_DRAIN_MS); });
          void Promise.race([controlClosed, drained]).then(() => {
            clearTimeout(timer);
            this.onExit(code, signal, ready, bootError, fail);
            resolveGone();
          });
        });
      });
      control.on('error', () => {
        // The template's end closing first is reported by its exit, not here.
      });
      control.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          let message;
          try {
            message = parseTemplateMessage(line);
          } catch (err) {
            this.protocolError = (err as Error).message;
            fail(err as Error);
            this.kill();
            return;
          }
          if (message.type === 'ready') {
            ready = true;
            resolveReady(message);
          } else if (message.type === 'error') {
            bootError = message.message;
          } else if (message.type === 'started') {
            o.onStarted(message);
          } else {
            o.onExited(message);
          }
        }
      });
    });
  }

  /** Sends one command; commands after the template is gone are dropped. */
  send(command: TemplateCommand): void {
    if (this.control && !this.control.destroyed && this.exitInfo === null) this.control.write(encodeCommand(command));
  }

  /**
   * Stops the template: it SIGTERMs every running child's group, SIGKILLs them
   * after the grace period and exits. Past `boundMs` the template is killed
   * (its children die with it: they are bound to it with PR_SET_PDEATHSIG).
   */
  async stop(boundMs: number): Promise<void> {
    if (!this.child || this.exitInfo !== null) return;
    this.stopping = true;
    this.send({ type: 'stop' });
    this.control?.end();
    const timer = setTimeout(() => { this.kill(); }, boundMs);
    await this.gone;
    clearTimeout(timer);
  }

  /** What the template printed since the last call ('' when nothing). */
  takeLog(): string {
    if (this.logFd === null) return '';
    const size = fstatSync(this.logFd).size;
    if (size <= this.logRead) return '';
    const buf = Buffer.alloc(size - this.logRead);
    const n = readSync(this.logFd, buf, 0, buf.length, this.logRead);
    this.logRead += n;
    return buf.subarray(0, n).toString('utf8');
  }

  /** Releases the log file (after stop()). */
  close(): void {
    if (this.logFd !== null) closeSync(this.logFd);
    this.logFd = null;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, ready: boolean, bootError: string | undefined, fail: (err: Error) => void): void {
    this.exitInfo = { code, signal };
    const how = signal ?? `exit code ${code ?? '?'}`;
    fail(new AskrError('ASKR_ERR_TEMPLATE', bootError !== undefined
      ? `the test template could not boot: ${bootError}`
      : `the test template exited during boot (${how}); its output above says why`));
    if (ready) this.options.onGone(this.protocolError ?? how, this.stopping);
  }

  private kill(): void {
    if (this.child && this.exitInfo === null) this.child.kill('SIGKILL');
  }
}
