import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AskrError } from '../errors.js';

/** Where the PHP runtime lives in this checkout (php-image/runtime). */
export const runtimeDir = fileURLToPath(new URL('../../../php-image/runtime/', import.meta.url));
export const templateScript = `${runtimeDir}template.php`;

export interface TemplateProcessOptions {
  phpBinary: string;
  runDir: string;
  socketPath: string;
  root: string;
  workerScript: string | undefined;
  phpIni: readonly string[];
  /** Extra environment for the app (the template passes it on to workers). */
  env?: NodeJS.ProcessEnv;
  /** Lines the template writes to stderr (PHP errors, boot messages). */
  onLog: (line: string) => void;
}

/**
 * The PHP template started by `askr serve` itself (no --template-socket): one
 * `php template.php` child whose stderr is forwarded line by line.
 */
export class TemplateProcess {
  private child: ChildProcess | null = null;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitWaiters: (() => void)[] = [];

  constructor(private readonly options: TemplateProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitInfo;
  }

  start(): void {
    const o = this.options;
    this.exitInfo = null;
    const child = spawn(o.phpBinary, [templateScript], {
      env: {
        ...process.env,
        ...o.env,
        ASKR_RUN_DIR: o.runDir,
        ASKR_TEMPLATE_SOCKET: o.socketPath,
        ASKR_ROOT: o.root,
        ASKR_WORKER_SCRIPT: o.workerScript ?? '',
        ASKR_PHP_INI: o.phpIni.join(','),
        ASKR_PHP_REEXEC: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let partial = '';
    const onData = (chunk: Buffer): void => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line !== '') o.onLog(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      o.onLog(`cannot start ${o.phpBinary}: ${err.message}`);
    });
    child.on('exit', (code, signal) => {
      if (partial !== '') o.onLog(partial);
      partial = '';
      this.exitInfo = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  /** Rejects as soon as the template exits, for racing against its greeting. */
  exitedEarly(): Promise<never> {
    return new Promise((_, reject) => {
      const fail = (): void => {
        const e = this.exitInfo;
        reject(new AskrError('ASKR_ERR_TEMPLATE', `the PHP template exited during boot (${e?.signal ?? `exit code ${e?.code ?? '?'}`}); its output above says why`));
      };
      if (this.exitInfo) fail();
      else this.exitWaiters.push(fail);
    });
  }

  /** Stops the template: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo) return;
    const done = new Promise<void>((r) => this.exitWaiters.push(r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await done;
    clearTimeout(timer);
  }
}
