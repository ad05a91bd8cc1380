// The rows that are not an HTTP load run: askr fork-to-ready (measured here),
// and the benchmark scripts next to the harness — fan-out against bare ws,
// the response cache's hit ratio on a Zipf trace and its in-process hit cost,
// and askr test against PHPUnit — each run through bench/src/extra-child.ts in
// a process of its own, with a deadline. A script that fails is recorded as
// failed with its message; the run goes on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './askr-build.js';
import { BenchError, errorSummary } from './errors.js';
import { measureForkToReady } from './fork-to-ready.js';
import { ManagedProcess } from './managed-process.js';
import type { ExtraResult } from './results.js';
import { removeScratch, scratchDir } from './scratch-dir.js';
import { commandLine } from './stack.js';
import { extraSummary } from './extra-summary.js';

/** The parameters each script runs with, full and smoke. */
export const EXTRA_PARAMS = {
  fanout: {
    full: { subscribers: 1000, throughputMessages: 1000, latencyRate: 20, latencySeconds: 5 },
    smoke: { subscribers: 50, throughputMessages: 100, latencyRate: 20, latencySeconds: 1 },
  },
  'cache-zipf': {
    full: { requests: 300_000, alpha: 0.9, objects: 50_000, cacheMb: 16, seed: 42 },
    smoke: { requests: 20_000, alpha: 0.9, objects: 2_000, cacheMb: 2, seed: 42 },
  },
  'cache-hit': {
    full: { bodyKb: 8, seconds: 2 },
    smoke: { bodyKb: 8, seconds: 0.2 },
  },
  'askr-test': {
    full: { rounds: 3, jobs: 2, maxSeconds: 120 },
    smoke: { rounds: 1, jobs: 2, maxSeconds: 60, files: 4 },
  },
} as const;

export type ExtraId = keyof typeof EXTRA_PARAMS;

/** Every extra row, in the order a run measures them (fork-to-ready first). */
export const EXTRA_IDS = ['fork-to-ready', 'fanout', 'cache-zipf', 'cache-hit', 'askr-test'] as const;

export const EXTRA_TITLES: Readonly<Record<(typeof EXTRA_IDS)[number], string>> = {
  'fork-to-ready': 'askr fork-to-ready (Laravel example)',
  fanout: 'Fan-out: one broadcast to N WebSocket subscribers',
  'cache-zipf': 'Response cache hit ratio on a Zipf trace',
  'cache-hit': 'Response cache hit cost, in-process',
  'askr-test': 'askr test against PHPUnit (Laravel example suite)',
};

/** Deadlines, seconds. */
const DEADLINE = { full: { fanout: 240, 'cache-zipf': 240, 'cache-hit': 60, 'askr-test': 330 }, smoke: { fanout: 90, 'cache-zipf': 60, 'cache-hit': 30, 'askr-test': 120 } } as const;

const childScript = fileURLToPath(new URL('./extra-child.ts', import.meta.url));

async function runChild(id: ExtraId, mode: 'smoke' | 'full'): Promise<{ data: unknown; command: string }> {
  const dir = scratchDir('askr-bench-extra-');
  const out = join(dir, 'result.json');
  const args = ['--import', 'tsx', childScript, id, mode, out];
  const command = commandLine('node', ['--import', 'tsx', 'bench/src/extra-child.ts', id, mode, 'OUT.json']);
  const proc = await ManagedProcess.start(process.execPath, args, { cwd: repoRoot, keepLines: 400 });
  try {
    const seconds = DEADLINE[mode][id];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      proc.waitExit().then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(true); }, seconds * 1000); }),
    ]);
    clearTimeout(timer);
    if (timedOut) throw new BenchError('ASKR_ERR_BENCH_TIMEOUT', `${id} did not finish within ${seconds} s:\n${proc.tail(20)}`);
    if (proc.exited?.code !== 0) throw new BenchError('ASKR_ERR_BENCH_EXTRA', `${id} failed (${proc.describeExit()}):\n${proc.tail(25)}`);
    return { data: JSON.parse(readFileSync(out, 'utf8')) as unknown, command };
  } finally {
    await proc.stop(3000);
    removeScratch(dir);
  }
}

/** Runs one extra row; failures become a failed row, never an exception. */
export async function runExtra(
  id: (typeof EXTRA_IDS)[number],
  mode: 'smoke' | 'full',
  env: Readonly<Record<string, string>>,
  log: (line: string) => void,
): Promise<ExtraResult> {
  const t0 = performance.now();
  const base = { id, title: EXTRA_TITLES[id] };
  log(`${id}: ${base.title}`);
  let params: unknown;
  try {
    let data: unknown;
    let command: string;
    if (id === 'fork-to-ready') {
      const p = mode === 'full' ? { forks: 200, warmupForks: 5, coldBoots: 30 } : { forks: 20, warmupForks: 2, coldBoots: 5 };
      params = p;
      const r = await measureForkToReady({ ...p, env });
      data = r;
      command = r.commands.join('\n');
    } else {
      params = EXTRA_PARAMS[id][mode];
      ({ data, command } = await runChild(id, mode));
    }
    const { rows, figures } = extraSummary(id, data);
    for (const r of rows) log(`  ${r.label}: ${r.value}`);
    return { ...base, status: 'ok', error: null, seconds: (performance.now() - t0) / 1000, command, params, data, rows, figures };
  } catch (err) {
    const error = errorSummary(err);
    log(`  ${id} failed: ${error.code}: ${error.message.split('\n')[0] ?? ''}`);
    return { ...base, status: 'failed', error, seconds: (performance.now() - t0) / 1000, command: '', params, data: null, rows: [], figures: {} };
  }
}
