// Medians and ratios from recorded runs: only valid round runs count, the
// warm-up never does, and the per-round spread pairs runs of the same round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord, ScenarioResult } from '../src/results.js';
import { peerRatios, summarizeStack } from '../src/scenario-summary.js';
import type { StackId } from '../src/stack.js';
import { median, percentile } from '../src/stats.js';
import { compareToTargets } from '../src/targets.js';

function run(stack: StackId, round: number, reqPerSec: number, p99Ms: number, valid = true): RunRecord {
  return {
    command: 'wrk', requests: reqPerSec * 10, durationSeconds: 10, reqPerSec, bytes: reqPerSec * 10 * 100,
    p50Ms: p99Ms / 4, p90Ms: p99Ms / 2, p99Ms, maxMs: p99Ms * 2, meanMs: p99Ms / 3,
    errors: { connect: 0, read: 0, write: 0, timeout: 0, status4xx5xx: 0, non2xx: valid ? 0 : 5 },
    valid, invalidReason: valid ? null : '5 non-2xx responses', raw: '',
    scenario: 's', stack, phase: round === 0 ? 'warmup' : 'round', round, startedAt: '', loadAvg: [1, 1, 1],
    tree: { processes: 3, rssKb: 102_400, pssKb: 51_200, cpuTicks: 0, cpuTicksByCommand: {} },
    cpuUsPerRequest: stack === 'askr' ? 100 : 400, cpuUsPerRequestByCommand: stack === 'askr' ? { node: 40, php: 60 } : { nginx: 100, 'php-fpm': 300 }, stackLog: null,
  };
}

const runs: RunRecord[] = [
  run('askr', 0, 1, 1000), run('fpm', 0, 1, 1000),
  run('askr', 1, 3000, 10), run('fpm', 1, 500, 40),
  run('fpm', 2, 450, 50), run('askr', 2, 2700, 12),
  run('askr', 3, 3300, 11), run('fpm', 3, 9999, 1, false),
];

test('a stack summary is the median of its valid rounds only', () => {
  const askr = summarizeStack('askr', runs);
  assert.equal(askr.rounds, 3);
  assert.equal(askr.validRounds, 3);
  assert.equal(askr.reqPerSec, 3000);
  assert.equal(askr.p99Ms, 11);
  assert.equal(askr.rssMb, 100);
  assert.equal(askr.pssMb, 50);
  assert.deepEqual(askr.cpuUsPerRequestByCommand, { node: 40, php: 60 });
  const fpm = summarizeStack('fpm', runs);
  assert.equal(fpm.validRounds, 2);
  assert.equal(fpm.reqPerSec, 475, 'the invalid 9999 req/s run is left out');
  assert.equal(fpm.errors, 5);
});

test('ratios: the median of the rounds in which both runs were valid, each run against its own round\'s', () => {
  const [r] = peerRatios(runs, ['fpm']);
  assert.ok(r);
  assert.deepEqual(r.perRound, [3000 / 500, 2700 / 450]);
  assert.deepEqual(r.perRoundP99, [10 / 40, 12 / 50]);
  assert.equal(r.reqPerSec, 6);
  assert.equal(r.p99, (10 / 40 + 12 / 50) / 2);
  assert.equal(r.reqPerCpu, 4);
});

test('ratios pair runs of one round: a drift of the machine between rounds cancels out', () => {
  // The machine slows down by half from round to round; askr is 1.1x faster and 0.9x the tail in every round.
  const drifting = [1, 2, 3].flatMap((round) => {
    const speed = 1 / 2 ** round;
    return [run('askr', round, 1100 * speed, 0.9 / speed), run('fpm', round, 1000 * speed, 1 / speed)];
  });
  // Round 4 is lost to errors on one side only: its other run must not be paired with another round's.
  drifting.push(run('askr', 4, 99, 0.01), run('fpm', 4, 1, 100, false));
  const [r] = peerRatios(drifting, ['fpm']);
  assert.ok(r);
  assert.ok(Math.abs((r.reqPerSec ?? 0) - 1.1) < 1e-9, String(r.reqPerSec));
  assert.ok(Math.abs((r.p99 ?? 0) - 0.9) < 1e-9, String(r.p99));
});

test('no valid run, no ratio', () => {
  const bad = [run('askr', 1, 100, 1), run('fpm', 1, 100, 1, false)];
  const [r] = peerRatios(bad, ['fpm']);
  assert.ok(r);
  assert.equal(r.reqPerSec, null);
  assert.deepEqual(r.perRound, []);
});

test('targets are judged in the right direction, and never met with invalid rounds', () => {
  const clean = runs.filter((r) => r.valid);
  const summary = [summarizeStack('askr', clean), summarizeStack('fpm', clean)];
  const scenario = { id: 'laravel-hello', summary, ratios: peerRatios(clean, ['fpm']) } as unknown as ScenarioResult;
  const cs = compareToTargets([scenario], []);
  assert.deepEqual(cs.map((c) => [c.id, c.met, c.note]), [['laravel-hello.rps', true, null], ['laravel-hello.p99', true, null]]);
  const slow = { id: 'laravel-hello', summary, ratios: [{ peer: 'fpm', reqPerSec: 5.9, p99: 1.01, reqPerCpu: 1, perRound: [], perRoundP99: [] }] } as unknown as ScenarioResult;
  assert.deepEqual(compareToTargets([slow], []).map((c) => c.met), [false, false]);
  // fpm lost a round to errors: askr's 6.3x is not a met target.
  const withInvalid = [summarizeStack('askr', runs), summarizeStack('fpm', runs)];
  const unclean = { id: 'laravel-hello', summary: withInvalid, ratios: peerRatios(runs, ['fpm']) } as unknown as ScenarioResult;
  const [rps] = compareToTargets([unclean], []);
  assert.ok(rps);
  assert.equal(rps.met, false);
  assert.equal(rps.note, 'fpm: 2/3 valid rounds');
});

test('median and nearest-rank percentiles', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 95), 95);
  assert.equal(percentile([7], 99), 7);
});
