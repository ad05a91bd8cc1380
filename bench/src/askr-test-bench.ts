// `askr test` against plain PHPUnit on the Laravel example's suite: the same
// files run by askr test (boot once, fork per file), by one phpunit process (the
// usual way, no isolation), and by one phpunit process per file (the usual way
// to get the isolation askr test gives). Several rounds, modes interleaved so
// that a noisy neighbour hurts them alike; medians, min/max and ratios.
//
//   node --import tsx bench/src/askr-test-bench.ts [--rounds 5] [--jobs N] [--max-seconds 300] [--smoke] [--json]
//
// --smoke runs one round over 4 files (a few seconds), for the test suite.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runTests } from '../../sidecar/src/testrunner/run-tests.js';
import { parseTestConfig } from '../../sidecar/src/testrunner/test-config.js';
import { findTestFiles } from '../../sidecar/src/testrunner/test-files.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const appRoot = join(repoRoot, 'examples/laravel');
/** Longest any single command may take before the bench gives up on it. */
const COMMAND_DEADLINE_MS = 300_000;

export interface BenchOptions {
  rounds: number;
  /** Files at once for askr test and for the parallel per-file PHPUnit mode. */
  jobs: number;
  /** No new round starts after this many seconds. */
  maxSeconds: number;
  /** Only the first N files (all when undefined). */
  files?: number;
  log: (line: string) => void;
}

export interface ModeResult {
  mode: string;
  /** Seconds per round, in round order. */
  seconds: number[];
  median: number;
  min: number;
  max: number;
}

export interface BenchResult {
  files: number;
  tests: number;
  rounds: number;
  jobs: number;
  cpus: string;
  modes: ModeResult[];
  /** Median time of a PHPUnit mode divided by askr test's (--jobs N): above 1 means askr test is faster. */
  ratios: Record<string, number>;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Runs a command to its end; rejects when it fails or passes the deadline. */
function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: appRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { out += c.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? 'by a signal'}:\n${out.slice(-2000)}`));
    });
  });
}

/** Runs `fn` for each item, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * A copy of the example's phpunit.xml whose test suite is exactly these files
 * (PHPUnit takes a single path on its command line), with absolute paths.
 */
function suiteConfig(dir: string, files: readonly string[]): string {
  const xml = readFileSync(join(appRoot, 'phpunit.xml'), 'utf8')
    .replace(/bootstrap="([^"]+)"/, (_m, b: string) => `bootstrap="${join(appRoot, b)}"`)
    .replace(/<testsuites>[\s\S]*<\/testsuites>/, `<testsuites><testsuite name="bench">${files.map((f) => `<file>${f}</file>`).join('')}</testsuite></testsuites>`);
  const path = join(dir, 'phpunit.xml');
  writeFileSync(path, xml);
  return path;
}

async function askr(files: readonly string[], jobs: number): Promise<number> {
  const config = parseTestConfig(['--root', appRoot, '--runner', 'phpunit', '--jobs', String(jobs), ...files], {}, repoRoot);
  let report = '';
  const result = await runTests(config, { write: (t) => { report += t; }, warn: (t) => { report += t; }, color: false });
  if (result.exitCode !== 0) throw new Error(`askr test failed:\n${report.slice(-2000)}`);
  return result.results.length;
}

/** Runs the benchmark and returns its figures; `log` gets progress and the table. */
export async function runAskrTestBench(options: BenchOptions): Promise<BenchResult> {
  const all = findTestFiles([join(appRoot, 'tests')]).map((f) => f.path);
  const files = options.files === undefined ? all : all.slice(0, options.files);
  const tmp = mkdtempSync(join(tmpdir(), 'askr-test-bench-'));
  try {
    const config = suiteConfig(tmp, files);
    const single = await run('phpunit', ['-c', config]);
    const tests = Number(/OK \((\d+) tests?/.exec(single)?.[1] ?? NaN);
    if (!Number.isFinite(tests)) throw new Error(`phpunit did not pass on the bench's files:\n${single.slice(-2000)}`);

    const { jobs } = options;
    const perFile = (limit: number) => () => pool(files, limit, (f) => run('phpunit', ['-c', join(appRoot, 'phpunit.xml'), f]));
    const modes: { name: string; once: () => Promise<unknown>; seconds: number[] }[] = [
      { name: `askr test --jobs ${jobs}`, once: () => askr(files, jobs), seconds: [] },
      { name: 'askr test --jobs 1', once: () => askr(files, 1), seconds: [] },
      { name: 'phpunit, one process', once: () => run('phpunit', ['-c', config]), seconds: [] },
      { name: 'phpunit per file, 1 at a time', once: perFile(1), seconds: [] },
      { name: `phpunit per file, ${jobs} at a time`, once: perFile(jobs), seconds: [] },
    ];
    options.log(`askr test bench: ${files.length} Laravel test files (${tests} tests), up to ${options.rounds} round(s), jobs ${jobs}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}`);
    const started = performance.now();
    let rounds = 0;
    for (let round = 1; round <= options.rounds; round++) {
      if (round > 1 && (performance.now() - started) / 1000 > options.maxSeconds) {
        options.log(`stopping after ${rounds} round(s): --max-seconds ${options.maxSeconds} reached`);
        break;
      }
      // Rotate the order every round so that no mode always runs first (cold caches) or last.
      const shift = (round - 1) % modes.length;
      for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
        const t0 = performance.now();
        await mode.once();
        mode.seconds.push((performance.now() - t0) / 1000);
      }
      rounds = round;
      options.log(`round ${round}: ${modes.map((m) => `${m.name} ${(m.seconds.at(-1) ?? 0).toFixed(2)}s`).join(' · ')}`);
    }

    const results: ModeResult[] = modes.map((m) => ({ mode: m.name, seconds: m.seconds, median: median(m.seconds), min: Math.min(...m.seconds), max: Math.max(...m.seconds) }));
    const [askrResult, ...others] = results;
    const ratios: Record<string, number> = {};
    for (const r of others) ratios[`${r.mode} / askr test --jobs ${jobs}`] = r.median / (askrResult?.median ?? NaN);

    options.log('');
    options.log(`${'mode'.padEnd(34)}${'median'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}`);
    for (const r of results) {
      options.log(`${r.mode.padEnd(34)}${`${r.median.toFixed(2)}s`.padStart(9)}${`${r.min.toFixed(2)}s`.padStart(9)}${`${r.max.toFixed(2)}s`.padStart(9)}`);
    }
    options.log('');
    for (const [name, ratio] of Object.entries(ratios)) options.log(`${name}: ${ratio.toFixed(2)}x`);
    options.log('(askr test is measured in-process through runTests: Node\'s own start-up, ~50 ms for the built CLI, is not included)');
    return { files: files.length, tests, rounds, jobs, cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`, modes: results, ratios };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      jobs: { type: 'string', default: String(availableParallelism()) },
      'max-seconds': { type: 'string', default: '300' },
      smoke: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const smoke = values.smoke;
  const result = await runAskrTestBench({
    rounds: smoke ? 1 : Math.max(1, Number(values.rounds)),
    jobs: Math.max(1, Number(values.jobs)),
    maxSeconds: Number(values['max-seconds']),
    files: smoke ? 4 : undefined,
    // With --json the figures go to stdout as JSON and the table to stderr.
    log: (line) => { (values.json ? process.stderr : process.stdout).write(line + '\n'); },
  });
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`askr-test-bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
