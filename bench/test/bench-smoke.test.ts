// `npm run bench -- --smoke` end to end, so the harness never rots: every
// scenario and row runs for a couple of seconds against the real peers (nginx,
// php8.2-fpm, Varnish, wrk) and the results file must be complete and
// consistent. Nothing here judges speed: only that every figure exists, every
// run's validity is recorded, ratios are computed, and nothing is left running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXTRA_IDS } from '../src/extras.js';
import { HAND_BEGIN, HAND_END } from '../src/markdown-report.js';
import type { BenchResults } from '../src/results.js';
import { SCENARIOS } from '../src/scenarios.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The whole smoke run's bound (it takes about a minute on 2 busy cores). */
const RUN_BOUND_MS = 280_000;

const out = mkdtempSync(join(tmpdir(), 'bench-smoke-test-'));
let code: number | null = null;
let output = '';
let results: BenchResults;

before(async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/src/main.ts', '--smoke', '--out', join(out, 'results'), '--docs', join(out, 'docs')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  code = await new Promise<number | null>((resolve) => {
    // SIGTERM lets the harness stop its servers; it is the same path as Ctrl-C.
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_BOUND_MS);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const files = existsSync(join(out, 'results')) ? readdirSync(join(out, 'results')) : [];
  if (files.length === 1) results = JSON.parse(readFileSync(join(out, 'results', files[0]!), 'utf8')) as BenchResults;
}, { timeout: RUN_BOUND_MS + 20_000 });

after(() => {
  rmSync(out, { recursive: true, force: true });
});

test('the smoke run exits 0 and writes one results file', { timeout: 5_000 }, () => {
  assert.equal(code, 0, output.slice(-4000));
  assert.ok(results, `no single results file:\n${output.slice(-2000)}`);
  assert.equal(results.mode, 'smoke');
  assert.equal(results.method.rounds, 1);
  assert.ok(results.machine.cores, 'machine recorded');
  for (const tool of ['php', 'php-fpm', 'nginx', 'varnish', 'wrk', 'node']) assert.ok(results.versions[tool], `version of ${tool}`);
});

test('every scenario is present, with every stack measured and every run judged', { timeout: 5_000 }, () => {
  assert.deepEqual(results.scenarios.map((s) => s.id), SCENARIOS.map((s) => s.id));
  for (const s of results.scenarios) {
    const def = SCENARIOS.find((d) => d.id === s.id)!;
    assert.equal(s.error, null, `${s.id}: ${JSON.stringify(s.error)}`);
    assert.deepEqual(s.stacks.map((x) => x.id), [...def.measured]);
    for (const st of s.stacks) {
      // askr without a response cache cannot be measured on a cache hit; that is recorded, not hidden.
      if (st.id === 'askr' && s.id === 'posts-cache-hit' && !results.askr.serveFlags.includes('--response-cache')) {
        assert.equal(st.error?.code, 'ASKR_ERR_BENCH_UNAVAILABLE');
        continue;
      }
      assert.ok(st.available, `${s.id}/${st.id} did not run: ${JSON.stringify(st.error)}`);
      assert.equal(st.check?.status, 200);
      assert.ok(st.commands.length > 0, `${s.id}/${st.id}: commands recorded`);
      const runs = s.runs.filter((r) => r.stack === st.id);
      assert.deepEqual(runs.map((r) => `${r.phase}:${r.round}`), ['warmup:0', 'round:1'], `${s.id}/${st.id}`);
      for (const r of runs) {
        assert.equal(typeof r.valid, 'boolean');
        assert.equal(r.valid, r.invalidReason === null, 'an invalid run says why');
        assert.ok(r.command.startsWith('wrk '), r.command);
        assert.ok(r.tree.processes >= 1 && r.tree.rssKb > 0, `${s.id}/${st.id}: process tree sampled`);
      }
    }
    if (s.id === 'posts-cache-hit') {
      const askr = s.stacks.find((x) => x.id === 'askr');
      if (askr?.available === true) assert.equal(askr.check?.cacheHeader, 'HIT');
      assert.equal(s.helpers.length, 1, 'Varnish\'s backend is recorded');
    }
  }
});

test('ratios are computed wherever both stacks ran validly', { timeout: 5_000 }, () => {
  for (const s of results.scenarios) {
    const askr = s.summary.find((x) => x.stack === 'askr')!;
    for (const r of s.ratios) {
      const peer = s.summary.find((x) => x.stack === r.peer)!;
      if (askr.validRounds === 0 || peer.validRounds === 0) {
        assert.equal(r.reqPerSec, null);
        continue;
      }
      assert.ok(r.reqPerSec !== null && Number.isFinite(r.reqPerSec) && r.reqPerSec > 0, `${s.id}: askr / ${r.peer}`);
      assert.ok(r.p99 !== null && Number.isFinite(r.p99) && r.p99 > 0, `${s.id}: p99 ratio`);
      assert.equal(r.perRound.length, 1);
    }
  }
  // The scenarios that need nothing but the foundation must have their ratios.
  for (const id of ['classic-hello', 'classic-declares', 'laravel-hello', 'laravel-posts']) {
    const s = results.scenarios.find((x) => x.id === id)!;
    assert.ok(s.ratios[0]?.reqPerSec !== null, `${id}: ratio missing: ${JSON.stringify(s.runs.map((r) => r.invalidReason))}`);
  }
  assert.ok(results.comparisons.some((c) => c.id === 'laravel-hello.rps' && c.value !== null));
});

test('every extra row is recorded, fork-to-ready with its samples', { timeout: 5_000 }, () => {
  assert.deepEqual(results.extras.map((e) => e.id), [...EXTRA_IDS]);
  for (const e of results.extras) {
    assert.ok(['ok', 'failed'].includes(e.status), `${e.id}: status ${e.status}`);
    if (e.status === 'ok') assert.ok(e.rows.length > 0, `${e.id}: rows`);
    else assert.ok(e.error?.code.startsWith('ASKR_ERR_BENCH_'), `${e.id}: a failure carries a code`);
  }
  const fork = results.extras.find((e) => e.id === 'fork-to-ready')!;
  assert.equal(fork.status, 'ok', JSON.stringify(fork.error));
  const data = fork.data as { warmMs: number[]; coldMs: number[] };
  assert.equal(data.warmMs.length, 20);
  assert.equal(data.coldMs.length, 5);
  assert.ok(fork.figures.warmP50Ms !== null && fork.figures.warmP50Ms! > 0);
});

test('the docs are generated with the hand-written section and the chart', { timeout: 5_000 }, () => {
  const page = readFileSync(join(out, 'docs', 'BENCHMARKS.md'), 'utf8');
  for (const s of SCENARIOS) assert.ok(page.includes(`### ${s.title}`), s.title);
  assert.ok(page.includes(HAND_BEGIN) && page.includes(HAND_END));
  const svg = readFileSync(join(out, 'docs', 'benchmarks-ratios.svg'), 'utf8');
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
});

test('nothing the run started is left: no process, no temp dir', { timeout: 5_000 }, () => {
  const dirs = new Set<string>();
  for (const s of results.scenarios) {
    for (const st of [...s.stacks, ...s.helpers]) for (const c of st.commands) for (const m of c.matchAll(/\/tmp\/askr-bench-[a-z]+-\w{6}/g)) dirs.add(m[0]);
  }
  assert.ok(dirs.size >= 4, `temp dirs of the peers found in the commands: ${[...dirs].join(' ')}`);
  // The run's own build of the sidecar, and its Laravel caches.
  dirs.add(dirname(dirname(results.askr.cli)));
  dirs.add(dirname(dirname(results.laravel.env.APP_CONFIG_CACHE ?? '/missing/x')));
  for (const d of dirs) assert.equal(existsSync(d), false, `${d} still exists`);
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    for (const d of dirs) assert.ok(!cmdline.includes(d), `process ${pid} still runs: ${cmdline}`);
  }
});
