// Warm fork-to-ready of the Laravel example against a cold PHP boot of it.
//
// Warm: the harness plays the sidecar's part of the worker protocol
// (docs/protocol.md) against a real template (php php-image/runtime/template.php
// with ASKR_RUN_DIR, ASKR_ROOT, ASKR_WORKER_SCRIPT): it listens on a front
// socket, sends SPAWN on template.sock and times SPAWN → the new worker's HELLO
// on the front socket, one fork at a time; then it sends the worker STOP and
// waits for the template's EXITED before the next fork.
// Cold: a fresh `php -r` that loads the runtime and requires the worker script
// (Laravel's bootstrap and the HTTP kernel's bootstrappers), timed from spawn
// to the "ready" line it prints once booted.
import { spawn } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { encodeJsonFrame, FrameDecoder, parseJson, type Frame } from '../../sidecar/src/protocol/frame-codec.js';
import { FrameType } from '../../sidecar/src/protocol/frame-types.js';
import { repoRoot } from './askr-build.js';
import { BenchError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { removeScratch, scratchDir } from './scratch-dir.js';
import { commandLine } from './stack.js';
import { percentile } from './stats.js';

export interface ForkToReadyOptions {
  /** Forks timed (after `warmupForks` untimed ones). */
  forks: number;
  warmupForks: number;
  /** Cold boots timed. */
  coldBoots: number;
  /** Environment of the app (SESSION_DRIVER, Laravel caches), the same as the HTTP scenarios use. */
  env: Readonly<Record<string, string>>;
}

export interface ForkToReadyResult {
  /** SPAWN → HELLO, ms, in order. */
  warmMs: number[];
  /** fork() as the template timed it (SPAWNED.forkMs), ms. */
  templateForkMs: number[];
  /** Spawn → booted, ms, in order. */
  coldMs: number[];
  warmP50: number;
  warmP95: number;
  coldP50: number;
  coldP95: number;
  /** The template's own boot time (TEMPLATE_HELLO.bootMs), ms. */
  templateBootMs: number;
  commands: string[];
}

const STEP_MS = 15_000;

/** Frames of one socket, awaited one at a time with a deadline each. */
class FrameReader {
  private readonly queue: Frame[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;

  constructor(readonly socket: Socket) {
    const decoder = new FrameDecoder((f) => {
      this.queue.push({ type: f.type, payload: Buffer.from(f.payload) });
      this.waiter?.();
    });
    socket.on('data', (c: Buffer) => { decoder.push(c); });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  async next(type: number, what: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      const i = this.queue.findIndex((f) => f.type === type);
      if (i >= 0) return parseJson((this.queue.splice(i, 1)[0] as Frame).payload) as Record<string, unknown>;
      if (this.closed) throw new BenchError('ASKR_ERR_BENCH_START', `${what}: the connection closed first`);
      const left = deadline - Date.now();
      if (left <= 0) throw new BenchError('ASKR_ERR_BENCH_TIMEOUT', `${what}: nothing within ${STEP_MS} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
  }
}

async function warmForks(o: ForkToReadyOptions, dir: string, commands: string[]): Promise<{ warm: number[]; fork: number[]; bootMs: number }> {
  const env = {
    ...o.env,
    ASKR_RUN_DIR: dir,
    ASKR_ROOT: join(repoRoot, 'examples/laravel/public'),
    ASKR_WORKER_SCRIPT: join(repoRoot, 'examples/laravel/worker.php'),
  };
  const args = [join(repoRoot, 'php-image/runtime/template.php')];
  commands.push(commandLine('php', args, env));
  const template = await ManagedProcess.start('php', args, { env: { ...process.env, ...env } });
  const frontPath = join(dir, 'front-0.sock');
  const workers: FrameReader[] = [];
  let arrived: (() => void) | null = null;
  const front = createServer((s) => {
    workers.push(new FrameReader(s));
    arrived?.();
  });
  try {
    await new Promise<void>((resolve) => front.listen(frontPath, resolve));
    await template.waitForLine(/askr template: .* listening on/, 60_000);
    const control = new FrameReader(createConnection(join(dir, 'template.sock')));
    const hello = await control.next(FrameType.TEMPLATE_HELLO, 'TEMPLATE_HELLO');
    const warm: number[] = [];
    const fork: number[] = [];
    for (let i = 0; i < o.warmupForks + o.forks; i++) {
      const t0 = performance.now();
      const connected = new Promise<void>((resolve) => { arrived = resolve; });
      control.socket.write(encodeJsonFrame(FrameType.SPAWN, { count: 1, socket: frontPath, tag: 'bench' }));
      await Promise.race([connected, template.waitExit().then(() => { throw new BenchError('ASKR_ERR_BENCH_START', `the template exited: ${template.tail()}`); })]);
      const worker = workers.shift() as FrameReader;
      await worker.next(FrameType.HELLO, 'HELLO');
      const t1 = performance.now();
      const spawned = await control.next(FrameType.SPAWNED, 'SPAWNED');
      worker.socket.write(encodeJsonFrame(FrameType.STOP, { reason: 'bench' }));
      await control.next(FrameType.EXITED, 'EXITED');
      worker.socket.destroy();
      if (i < o.warmupForks) continue;
      warm.push(t1 - t0);
      fork.push(Number(spawned.forkMs));
    }
    control.socket.destroy();
    return { warm, fork, bootMs: Number(hello.bootMs) };
  } finally {
    front.close();
    await template.stop(5000);
  }
}

/** Spawn → "ready" of a fresh PHP process booting the example. */
function coldBoot(env: Readonly<Record<string, string>>, code: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('php', ['-r', code], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let t1 = 0;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (t1 === 0 && out.includes('ready')) t1 = performance.now();
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_MS);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (status === 0 && t1 > 0) resolve(t1 - t0);
      else reject(new BenchError('ASKR_ERR_BENCH_START', `cold boot exited ${String(status)}: ${out.slice(-1000)}`));
    });
  });
}

/** Runs both measurements. */
export async function measureForkToReady(o: ForkToReadyOptions): Promise<ForkToReadyResult> {
  const dir = scratchDir('askr-bench-fork-');
  const commands: string[] = [];
  try {
    const { warm, fork, bootMs } = await warmForks(o, dir, commands);
    const code = 'require "php-image/runtime/bootstrap.php"; require "examples/laravel/worker.php"; echo "ready\\n";';
    commands.push(commandLine('php', ['-r', code], o.env));
    const cold: number[] = [];
    for (let i = 0; i < o.coldBoots; i++) cold.push(await coldBoot(o.env, code));
    return {
      warmMs: warm, templateForkMs: fork, coldMs: cold,
      warmP50: percentile(warm, 50), warmP95: percentile(warm, 95),
      coldP50: percentile(cold, 50), coldP95: percentile(cold, 95),
      templateBootMs: bootMs, commands,
    };
  } finally {
    removeScratch(dir);
  }
}
