// npm run bench: askr serve side by side with nginx + php-fpm, Varnish and
// nginx static, plus fork-to-ready, fan-out, the cache's hit ratio and askr
// test. Wires the parts together; see docs/BENCHMARKS.md for the method and
// docs/design/0006-benchmarks.md for why it is built this way.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareAskrCli, repoRoot } from './askr-build.js';
import { parseBenchOptions, runMode, USAGE } from './bench-options.js';
import { BenchError, errorSummary } from './errors.js';
import { EXTRA_IDS, runExtra } from './extras.js';
import { prepareLaravelEnv } from './laravel-env.js';
import { RECYCLE_AFTER_REQUESTS } from './peer-stacks.js';
import { clockTicks, gitState, machineInfo, versions } from './machine.js';
import { killAllNow, stopAll } from './managed-process.js';
import { writeDocs, writeResults } from './report-files.js';
import { RESULTS_SCHEMA, type BenchResults, type ExtraResult, type ScenarioResult } from './results.js';
import { runScenario } from './scenario-runner.js';
import { peerRatios } from './scenario-summary.js';
import { removeAllScratch, scratchDir } from './scratch-dir.js';
import { SCENARIOS } from './scenarios.js';
import { compareToTargets } from './targets.js';
import { writeWrkScript } from './wrk-run.js';

const log = (line: string): void => { process.stdout.write(line + '\n'); };

/** Ctrl-C and SIGTERM stop every server the run started before exiting. */
function installSignalHandlers(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping every server started by this run`);
    void stopAll(3000).finally(() => {
      killAllNow();
      const e = new BenchError('ASKR_ERR_BENCH_INTERRUPTED', `${signal}: no results written`);
      process.stderr.write(`npm run bench: ${e.code}: ${e.message}\n`);
      process.exit(e.exitCode);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever else happens, no process group of ours outlives the harness.
  process.on('exit', () => {
    killAllNow();
    removeAllScratch();
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const o = parseBenchOptions(argv, join(repoRoot, 'bench/results'));
  if (o.help) {
    log(USAGE);
    return 0;
  }
  const ids = [...SCENARIOS.map((s) => s.id), ...EXTRA_IDS];
  if (o.list) {
    for (const s of SCENARIOS) log(`${s.id.padEnd(16)} ${s.title}: ${s.measured.join(' vs ')}`);
    for (const id of EXTRA_IDS) log(id);
    return 0;
  }
  const unknown = o.only.filter((x) => !ids.includes(x));
  if (unknown.length > 0) throw new BenchError('ASKR_ERR_BENCH_USAGE', `--only: unknown ${unknown.join(', ')} (known: ${ids.join(', ')})`);
  if (o.render !== undefined) {
    const r = JSON.parse(readFileSync(o.render, 'utf8')) as BenchResults;
    // The ratios and targets as this checkout computes and states them, from the recorded runs.
    for (const s of r.scenarios) s.ratios = peerRatios(s.runs, s.ratios.map((x) => x.peer));
    r.comparisons = compareToTargets(r.scenarios, r.extras);
    log(`wrote ${writeDocs(r, o.render, o.docsDir ?? join(repoRoot, 'docs'))}`);
    return 0;
  }
  installSignalHandlers();
  const wanted = (id: string): boolean => o.only.length === 0 || o.only.includes(id);
  const mode = runMode(o);
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  log(`npm run bench (${mode}): ${String(machine.cores)} × ${String(machine.cpu)}, load ${String(machine.loadAvgAtStart)}`);
  try {
    const askr = await prepareAskrCli(o.askrCli);
    log(`askr: ${askr.cli} (${askr.how})${askr.warnings === '' ? '' : ' — tsc reported errors, see the results file'}`);
    const tmp = scratchDir('askr-bench-');
    const laravel = await prepareLaravelEnv(join(tmp, 'laravel'), join(repoRoot, 'examples/laravel'), o.laravelCaches);
    const wrkScript = join(tmp, 'status.lua');
    writeWrkScript(wrkScript);
    const profileDir = o.profileDir === undefined ? undefined : resolve(o.profileDir);
    const plan = { load: { threads: o.threads, connections: o.connections, seconds: o.seconds }, warmupSeconds: o.warmupSeconds, rounds: o.rounds, wrkScript, clockTicks: clockTicks(), log, profileDir };
    const ctx = { askr, workers: o.workers, laravel, profileDir };
    const scenarios: ScenarioResult[] = [];
    for (const def of SCENARIOS) if (wanted(def.id)) scenarios.push(await runScenario(def, ctx, plan));
    const extraIds = EXTRA_IDS.filter(wanted);
    const extras: ExtraResult[] = [];
    // A smoke run checks that every row works, not what it measures: its rows run side by side.
    if (o.smoke) extras.push(...await Promise.all(extraIds.map((id) => runExtra(id, 'smoke', laravel.env, log))));
    else for (const id of extraIds) extras.push(await runExtra(id, 'full', laravel.env, log));
    const results: BenchResults = {
      schema: RESULTS_SCHEMA,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      seconds: (performance.now() - t0) / 1000,
      mode,
      argv: [...argv],
      method: { load: plan.load, warmupSeconds: o.warmupSeconds, rounds: o.rounds, workers: o.workers, order: 'stacks alternate within a round; the order rotates every round', recycleAfterRequests: RECYCLE_AFTER_REQUESTS },
      machine,
      versions: versions(),
      git: gitState(),
      askr: { cli: askr.cli, how: askr.how, warnings: askr.warnings, serveFlags: askr.serveFlags },
      laravel: { caches: laravel.caches, env: laravel.env, command: laravel.command },
      command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
      scenarios,
      extras,
      comparisons: compareToTargets(scenarios, extras),
    };
    const path = writeResults(results, o.outDir);
    log(`\nresults: ${path}`);
    for (const c of results.comparisons) {
      const v = c.value === null ? 'not measured' : `${c.value.toFixed(2)}${c.unit === 'ms' ? ' ms' : '×'}`;
      log(`  ${c.met === null ? ' ' : c.met ? '✓' : '✗'} ${c.label}: ${v}${c.target ? ` (target ${c.target.op} ${c.target.value})` : ''}${c.note === null ? '' : ` — ${c.note}`}`);
    }
    const docsDir = o.noDocs ? undefined : (o.docsDir ?? (mode === 'full' ? join(repoRoot, 'docs') : undefined));
    if (docsDir !== undefined) log(`docs: ${writeDocs(results, path, docsDir)}`);
    else log(`docs not regenerated (${mode} run); npm run bench -- --render ${path} would write them`);
    if (profileDir !== undefined) log(`profiles: ${profileDir}/<scenario>/ (askr-node/*.cpuprofile: open in Chrome DevTools; <stack>.perf.txt: perf report)`);
    return 0;
  } finally {
    await stopAll();
    removeAllScratch();
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    const e = errorSummary(err);
    process.stderr.write(`npm run bench: ${e.code}: ${e.message}\n`);
    process.exitCode = err instanceof BenchError ? err.exitCode : 1;
  },
);
