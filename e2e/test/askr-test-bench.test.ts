// The askr test benchmark's smoke mode: one round over 4 Laravel test files in
// every mode, each of which must pass for the bench to report at all. No speed
// is asserted here (speed belongs in bench/); the figures must only be there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { repoRoot } from './askr-test-harness.js';

interface BenchJson {
  files: number;
  tests: number;
  rounds: number;
  jobs: number;
  modes: { mode: string; seconds: number[]; median: number; min: number; max: number }[];
  ratios: Record<string, number>;
}

test('bench/src/askr-test-bench.ts --smoke measures every mode once', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/src/askr-test-bench.ts', '--smoke', '--json', '--jobs', '2'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(code, 0, stderr);

  const result = JSON.parse(stdout) as BenchJson;
  assert.equal(result.files, 4);
  assert.ok(result.tests >= 4, `${result.tests} tests`);
  assert.equal(result.rounds, 1);
  assert.deepEqual(result.modes.map((m) => m.mode), [
    'askr test --jobs 2', 'askr test --jobs 1', 'phpunit, one process', 'phpunit per file, 1 at a time', 'phpunit per file, 2 at a time',
  ]);
  for (const m of result.modes) {
    assert.equal(m.seconds.length, 1, m.mode);
    assert.ok(m.median > 0 && m.min <= m.median && m.median <= m.max, m.mode);
  }
  assert.equal(Object.keys(result.ratios).length, 4);
  for (const [name, ratio] of Object.entries(result.ratios)) assert.ok(Number.isFinite(ratio) && ratio > 0, name);
  // The human table went to stderr.
  assert.match(stderr, /^askr test --jobs 2 +\d+\.\d\ds/m);
  assert.match(stderr, /phpunit per file, 1 at a time \/ askr test --jobs 2: \d+\.\d\dx/);
});
