import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { askrCli, repoRoot } from './repo.js';

/** A running `askr serve` started by a test. */
export interface AskrProcess {
  url: string;
  admin: string | null;
  pid: number;
  child: ChildProcess;
  /** Every line the process wrote to stdout and stderr, in order. */
  lines: string[];
  /** Parsed JSON access-log lines. */
  accessLog(): Record<string, unknown>[];
  /** Resolves with the exit code; SIGTERM first, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** Waits for the process to exit on its own (bounded). */
  exited(timeoutMs: number): Promise<number | null>;
  /** Waits until a line matching `pattern` appears (bounded). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for the "listening" line after this long (ms). */
  timeoutMs?: number;
}

const running = new Set<AskrProcess>();
process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/**
 * Starts `askr serve` with `args` (listen and admin addresses default to port
 * 0 on loopback) and resolves once it prints its "listening" line.
 */
export async function startAskr(args: string[], options: StartOptions = {}): Promise<AskrProcess> {
  const full = ['serve', ...args];
  if (!args.includes('--listen')) full.push('--listen', '127.0.0.1:0');
  if (!args.includes('--admin-listen')) full.push('--admin-listen', '127.0.0.1:0');
  const child = spawn(process.execPath, [askrCli, ...full], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const watchers: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onLine = (line: string): void => {
    lines.push(line);
    for (const w of [...watchers]) {
      if (w.pattern.test(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  let exitCode: number | null | undefined;
  const exitWaiters: ((code: number | null) => void)[] = [];
  child.on('exit', (code, signal) => {
    exitCode = code ?? (signal ? null : 0);
    for (const w of exitWaiters.splice(0)) w(exitCode);
  });
  const exited = (timeoutMs: number): Promise<number | null> =>
    new Promise((resolve, reject) => {
      if (exitCode !== undefined) {
        resolve(exitCode);
        return;
      }
      const timer = setTimeout(() => {
        reject(new Error(`askr did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
      exitWaiters.push((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  const waitForLine = (pattern: RegExp, timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) {
        resolve(seen);
        return;
      }
      const timer = setTimeout(() => {
        reject(new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms; output:\n${lines.slice(-40).join('\n')}`));
      }, timeoutMs);
      watchers.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });

  const proc: AskrProcess = {
    url: '',
    admin: null,
    pid: child.pid ?? 0,
    child,
    lines,
    accessLog: () =>
      lines
        .filter((l) => l.startsWith('{') && l.includes('"via"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: async (graceMs = 20_000) => {
      running.delete(proc);
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited(graceMs + 5000);
      clearTimeout(timer);
      return code;
    },
    exited,
    waitForLine,
  };
  running.add(proc);
  try {
    const line = await Promise.race([
      waitForLine(/"event":"listening"/, options.timeoutMs ?? 60_000),
      exited(options.timeoutMs ?? 60_000).then((code) => {
        throw new Error(`askr exited with ${String(code)} before listening:\n${lines.join('\n')}`);
      }),
    ]);
    const info = JSON.parse(line) as { url: string; admin: string | null };
    proc.url = info.url;
    proc.admin = info.admin;
    return proc;
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
}

/** Runs the askr CLI to completion (bounded) and returns its output. */
export function runAskr(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [askrCli, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`askr ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
