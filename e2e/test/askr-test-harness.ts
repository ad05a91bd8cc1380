// Helpers for the `askr test` end-to-end tests: run the real CLI (through tsx)
// against real PHP and PHPUnit, with a deadline on every run, and read JUnit
// files with PHP's DOM parser.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The runtime's PHPUnit shim, as DESIGN.md spells the command. */
export const phpunitRunner = 'php-image/runtime/phpunit-runner.php';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A started `askr test`; `done` settles when it exits (or is killed at the deadline). */
export interface RunningCli {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** Output so far. */
  stdout(): string;
}

/** Starts `askr test ARGS` from the repository root; kills it (SIGKILL) past `deadlineMs`. */
export function startAskrTest(args: readonly string[], deadlineMs = 120_000, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sidecar/src/cli/main.ts', 'test', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, stdout: () => stdout };
}

/** Runs `askr test ARGS` to the end. */
export function askrTest(args: readonly string[], deadlineMs?: number, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return startAskrTest(args, deadlineMs, env).done;
}

/** The `✓ name` / `✗ name (why)` lines of a report, sorted (order of completion varies with --jobs). */
export function resultLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^ {2}[✓✗] /.test(l)).sort();
}

/** The summary line, e.g. `3 file(s): 2 passed, 1 failed in 1.23s`. */
export function summaryLine(stdout: string): string {
  return stdout.split('\n').find((l) => /^\d+ file\(s\): /.test(l)) ?? '';
}

/** Counts in a JUnit file, read by PHP's DOM (a real XML parser): root attributes and elements. */
export interface JunitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Top-level <testsuite> elements (one per file in askr's report). */
  suites: number;
  testcases: number;
  failureElements: number;
  errorElements: number;
}

export function junitCounts(path: string): JunitCounts {
  const php = `$d = new DOMDocument(); if (!$d->load($argv[1])) { fwrite(STDERR, "not well-formed XML\\n"); exit(3); }
    $r = $d->documentElement; $suites = 0;
    foreach ($r->childNodes as $n) { if ($n instanceof DOMElement && $n->tagName === 'testsuite') { $suites++; } }
    echo json_encode(['tests' => (int) $r->getAttribute('tests'), 'failures' => (int) $r->getAttribute('failures'),
      'errors' => (int) $r->getAttribute('errors'), 'skipped' => (int) $r->getAttribute('skipped'), 'suites' => $suites,
      'testcases' => $d->getElementsByTagName('testcase')->length, 'failureElements' => $d->getElementsByTagName('failure')->length,
      'errorElements' => $d->getElementsByTagName('error')->length]);`;
  return JSON.parse(execFileSync('php', ['-r', php, path], { encoding: 'utf8' })) as JunitCounts;
}

/** Counts of PHPUnit's own JUnit log (its root <testsuites> has no attributes: they are on the top suite). */
export function phpunitLogCounts(path: string): { tests: number; failures: number; errors: number; skipped: number } {
  const php = `$d = new DOMDocument(); $d->load($argv[1]); $s = $d->getElementsByTagName('testsuite')->item(0);
    echo json_encode(['tests' => (int) $s->getAttribute('tests'), 'failures' => (int) $s->getAttribute('failures'),
      'errors' => (int) $s->getAttribute('errors'), 'skipped' => (int) $s->getAttribute('skipped')]);`;
  return JSON.parse(execFileSync('php', ['-r', php, path], { encoding: 'utf8' })) as ReturnType<typeof phpunitLogCounts>;
}

/** A throwaway app directory with these files (paths relative to it). */
export function scratchApp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'askr-test-e2e-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

/** Waits for `check` to hold, polling every 20 ms, up to `deadlineMs`; returns whether it held. */
export async function waitFor(check: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
