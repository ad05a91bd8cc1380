import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { AskrError } from '../errors.js';
import { junitReport } from './junit-report.js';
import type { TestConfig } from './test-config.js';
import { findTestFiles, TEST_FILE_SUFFIX, type TestFile } from './test-files.js';
import type { ExitedMessage, ReadyMessage } from './test-protocol.js';
import { TestReport, type Counts } from './test-report.js';
import { fileResult, type FileResult } from './test-result.js';
import { TestTemplateProcess } from './test-template-process.js';

/** Where the report goes. Each call writes one whole block. */
export interface TestRunIo {
  /** The report: result lines, output blocks, the summary (stdout). */
  write(text: string): void;
  /** The template's own output and warnings (stderr). */
  warn(text: string): void;
  /** Paint ✓/✗ and tell PHPUnit to use colours. */
  color: boolean;
}

export interface TestRunResult {
  /** 0 all passed, 1 a file failed or the template died, 130 interrupted. */
  exitCode: number;
  /** In the order the files were found (not the order they finished). */
  results: FileResult[];
  counts: Counts;
  seconds: number;
  interrupted: boolean;
  ready: ReadyMessage;
}

/** Seconds the template gives children between SIGTERM and SIGKILL when a run is stopped. */
const STOP_GRACE_SECONDS = 2;
/** Past this, a template that does not exit after `stop` is killed. */
const STOP_BOUND_MS = (STOP_GRACE_SECONDS + 5) * 1000;

interface Running {
  file: TestFile;
  output: string;
  junit: string | null;
  timer: NodeJS.Timeout | undefined;
  /** Its pid, which is also its process group. */
  pid?: number;
  killedFor?: 'timeout' | 'interrupted';
}

/** Kills a test's process group (what it started included); it may be gone already. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Most of a file's captured output read back (its end); a runaway test must not exhaust the CLI's memory. */
const MAX_CAPTURE_READ = 4 * 1024 * 1024;

function readIfThere(path: string | null): string | null {
  if (path === null || !existsSync(path)) return null;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_CAPTURE_READ);
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, size - length);
    const text = buf.subarray(0, n).toString('utf8');
    return size > length ? `… ${size - length} bytes cut …\n${text}` : text;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function header(config: TestConfig, ready: ReadyMessage, files: number, jobs: number): string {
  const facts = [ready.bootstrap === null ? 'no bootstrap' : `bootstrap ${relative(config.root, ready.bootstrap)}`, `PHP ${ready.php}`];
  if (ready.phpunit !== null) facts.push(`PHPUnit ${ready.phpunit}`);
  if (!ready.opcache) facts.push('opcache off');
  return `askr test: ${files} file(s), ${jobs} at a time; template booted in ${Math.round(ready.bootMs)} ms (${facts.join(', ')})\n`;
}

/**
 * Runs a test suite the `askr test` way: finds the files, boots the test
 * template once, forks one child per file with at most `config.jobs` running,
 * prints each file's line (and output block) as it finishes, then the summary,
 * and writes the JUnit report when asked. Aborting `signal` (Ctrl-C) stops
 * every running file and starts no more.
 *
 * @throws AskrError ASKR_ERR_CONFIG when there are no test files, ASKR_ERR_TEMPLATE when the template cannot boot
 */
export async function runTests(config: TestConfig, io: TestRunIo, signal?: AbortSignal): Promise<TestRunResult> {
  const files = findTestFiles(config.paths);
  if (files.length === 0) {
    const where = config.paths.map((p) => relative(process.cwd(), p) || '.').join(', ');
    throw new AskrError('ASKR_ERR_CONFIG', `no test files (*${TEST_FILE_SUFFIX}) found in ${where}`);
  }
  const startedAt = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), 'askr-test-'));
  const jobs = Math.min(config.jobs, files.length);
  const pending = files.map((file, i) => ({ id: i + 1, file }));
  const order = new Map(files.map((f, i) => [f, i]));
  const running = new Map<number, Running>();
  const results: FileResult[] = [];
  // Set from callbacks: an object, so that control-flow narrowing does not pin them.
  const state: { interrupted: boolean; templateGone: string | undefined } = { interrupted: false, templateGone: undefined };
  let finish = (): void => undefined;
  const finished = new Promise<void>((r) => { finish = r; });

  const settle = (): void => {
    if (running.size === 0 && (pending.length === 0 || state.interrupted || state.templateGone !== undefined)) finish();
  };
  const record = (r: FileResult): void => {
    results.push(r);
    io.write(TestReport.fileBlock(r, config.showOutput, io.color));
  };
  const onExited = (m: ExitedMessage): void => {
    const job = running.get(m.id);
    if (!job) return;
    clearTimeout(job.timer);
    running.delete(m.id);
    const output = readIfThere(job.output) ?? '';
    const facts = { status: m.status, signal: m.signal, ms: m.ms, killedFor: job.killedFor, timeoutSeconds: config.timeout, error: m.error };
    record(fileResult(job.file, facts, output, readIfThere(job.junit)));
    rmSync(job.output, { force: true });
    if (job.junit !== null) rmSync(job.junit, { force: true });
    dispatch();
    settle();
  };

  const template = new TestTemplateProcess({
    phpBinary: config.phpBinary,
    phpIni: config.phpIni,
    root: config.root,
    runner: config.runner,
    bootstrap: config.bootstrap,
    graceSeconds: STOP_GRACE_SECONDS,
    env: io.color && !process.env.NO_COLOR ? { ASKR_TEST_COLORS: '1' } : {},
    logPath: join(tmp, 'template.log'),
    onStarted: (m) => {
      const job = running.get(m.id);
      if (job) job.pid = m.pid;
    },
    onExited,
    onGone: (how) => {
      // Children die with the template (PR_SET_PDEATHSIG); what they started does not.
      for (const job of running.values()) if (job.pid !== undefined) killGroup(job.pid);
      if (state.interrupted || pending.length + running.size === 0) return;
      state.templateGone = how;
      for (const [id, job] of running) {
        clearTimeout(job.timer);
        running.delete(id);
        record(fileResult(job.file, { status: null, signal: null, ms: 0, error: `the test template exited (${state.templateGone})` }, readIfThere(job.output) ?? '', null));
      }
      finish();
    },
  });

  const dispatch = (): void => {
    while (running.size < jobs && !state.interrupted && state.templateGone === undefined) {
      const next = pending.shift();
      if (!next) return;
      const job: Running = {
        file: next.file,
        output: join(tmp, `${next.id}.out`),
        junit: config.junit === undefined ? null : join(tmp, `${next.id}.xml`),
        timer: undefined,
      };
      if (config.timeout > 0) {
        job.timer = setTimeout(() => {
          job.killedFor = 'timeout';
          template.send({ type: 'kill', id: next.id });
        }, config.timeout * 1000);
      }
      running.set(next.id, job);
      template.send({ type: 'run', id: next.id, file: next.file.path, output: job.output, junit: job.junit });
    }
  };

  const interrupt = (): void => {
    if (state.interrupted) return;
    state.interrupted = true;
    for (const job of running.values()) job.killedFor ??= 'interrupted';
    void template.stop(STOP_BOUND_MS).then(finish);
  };

  const relayLog = (): void => {
    const log = template.takeLog();
    if (log !== '') io.warn(log);
  };
  try {
    const ready = await template.start().finally(relayLog);
    if (!ready.capture) io.warn('askr test: PHP\'s FFI extension is not available: output is not captured per file, it follows the run and may interleave\n');
    io.write(header(config, ready, files.length, jobs));
    signal?.addEventListener('abort', interrupt, { once: true });
    if (signal?.aborted) interrupt();
    dispatch();
    settle();
    await finished;
    signal?.removeEventListener('abort', interrupt);
    await template.stop(STOP_BOUND_MS);
    relayLog();

    const seconds = (performance.now() - startedAt) / 1000;
    results.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));
    const counts = TestReport.counts(results, files.length);
    io.write(TestReport.summaryLine(counts, seconds, state.interrupted));
    if (state.templateGone !== undefined) io.warn(`askr test: the test template exited (${state.templateGone}) before the run was over\n`);
    if (config.junit !== undefined) {
      mkdirSync(dirname(config.junit), { recursive: true });
      writeFileSync(config.junit, junitReport(results, { name: 'askr test', seconds, timestamp: new Date() }));
    }
    const exitCode = state.interrupted ? 130 : counts.failed > 0 || counts.notRun > 0 ? 1 : 0;
    return { exitCode, results, counts, seconds, interrupted: state.interrupted, ready };
  } finally {
    for (const job of running.values()) clearTimeout(job.timer);
    await template.stop(STOP_BOUND_MS);
    template.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
