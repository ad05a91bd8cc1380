// The generated docs: the hand-written section survives regeneration, the
// SVG is well-formed and escapes labels, process trees are read correctly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { parseBenchOptions, runMode } from '../src/bench-options.js';
import { HAND_BEGIN, HAND_END, handWritten } from '../src/markdown-report.js';
import { descendants, parseProcStat, sampleTree } from '../src/process-tree.js';
import { resultsFileName } from '../src/report-files.js';
import { barChartSvg } from '../src/svg-chart.js';

test('the hand-written section is carried over verbatim, markers included', () => {
  const mine = `${HAND_BEGIN}\n## Where the time goes\n\n62 % in JSON.stringify of the head.\n${HAND_END}`;
  const page = `# Benchmarks\n\nold table\n\n${mine}\n\n## Method\n`;
  assert.equal(handWritten(page), mine);
  const fresh = handWritten(null);
  assert.ok(fresh.startsWith(HAND_BEGIN) && fresh.endsWith(HAND_END));
  assert.equal(handWritten('# a page without markers'), fresh);
});

test('the SVG chart draws one bar per ratio, escapes labels, and marks targets', () => {
  const svg = barChartSvg('askr / peer', [
    { label: 'Laravel /hello <vs> FPM & co', value: 6.5, target: 6, met: true },
    { label: 'Classic', value: 0.4, target: 1, met: false },
    { label: 'Cache', value: null, target: 1, met: null },
  ], 'note');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('Laravel /hello &lt;vs&gt; FPM &amp; co'));
  assert.equal((svg.match(/<rect /g) ?? []).length, 3, 'background + two bars');
  assert.ok(svg.includes('#2e7d32') && svg.includes('#c62828'), 'met and missed colours');
  assert.ok(svg.includes('not measured'));
  assert.equal((svg.match(/stroke-width="2"/g) ?? []).length, 3, 'a target tick per bar');
});

test('/proc/PID/stat is parsed from the last parenthesis', () => {
  const line = '4242 (php (worker) x) S 4200 4242 4242 0 -1 4194560 1 0 0 0 150 25 7 3 20 0 1 0 100 1000 10';
  assert.deepEqual(parseProcStat(line), { pid: 4242, ppid: 4200, comm: 'php (worker) x', cpuTicks: 150 + 25 + 7 + 3 });
  assert.equal(parseProcStat('garbage'), null);
  const stats = [[1, 0], [10, 1], [11, 10], [12, 11], [20, 1]].map(([pid, ppid]) => ({ pid: pid!, ppid: ppid!, comm: 'x', cpuTicks: 0 }));
  assert.deepEqual([...descendants([10], stats)].sort((a, b) => a - b), [10, 11, 12]);
  assert.deepEqual([...descendants([99], stats)], [], 'a gone root has no tree');
});

test('a live process tree is sampled with its children', async () => {
  // A group of its own, so that the shell and both sleeps are stopped together by its PID.
  const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore', detached: true });
  try {
    const pid = child.pid ?? 0;
    const deadline = Date.now() + 10_000;
    let sample = sampleTree([pid]);
    // The shell forks its two sleeps asynchronously, and each is named sh until it
    // has exec'd sleep: wait (bounded) until both run.
    const ready = (): boolean => sample.processes === 3 && Object.keys(sample.cpuTicksByCommand).includes('sleep') && Object.keys(sample.cpuTicksByCommand).length === 2;
    while (!ready() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      sample = sampleTree([pid]);
    }
    assert.equal(sample.processes, 3);
    assert.ok(sample.rssKb > 0 && sample.pssKb > 0);
    assert.deepEqual(Object.keys(sample.cpuTicksByCommand).sort(), ['sh', 'sleep']);
  } finally {
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  }
});

test('flags: smoke defaults, explicit values win, bad values name the flag', () => {
  const smoke = parseBenchOptions(['--smoke'], '/out');
  assert.equal(smoke.rounds, 1);
  assert.equal(runMode(smoke), 'smoke');
  const o = parseBenchOptions(['--only', 'laravel-hello,classic-hello', '--seconds', '5'], '/out');
  assert.deepEqual(o.only, ['laravel-hello', 'classic-hello']);
  assert.equal(o.seconds, 5);
  assert.equal(runMode(o), 'partial');
  assert.equal(runMode(parseBenchOptions([], '/out')), 'full');
  assert.throws(() => parseBenchOptions(['--rounds', '0'], '/out'), /--rounds must be a whole number/);
  assert.throws(() => parseBenchOptions(['--bogus'], '/out'), (e: Error & { code?: string }) => e.code === 'ASKR_ERR_BENCH_USAGE');
});

test('results files are named after the run start, without colons', () => {
  assert.equal(resultsFileName('2026-11-25T09:30:00.123Z'), '2026-11-25T09-30-00Z.json');
});
