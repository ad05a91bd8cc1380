// The seed's own example (examples/askr-test): an isolation pair, a failing test
// and a passing one, run by the real CLI on real PHP. Isolation is shown both
// ways: each file passes in its own fork, and the pair fails in one process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { askrTest, repoRoot, resultLines, summaryLine } from './askr-test-harness.js';

const example = 'examples/askr-test';

describe('askr test on examples/askr-test', () => {
  test('3 pass, the failing one fails with its output kept together, exit 1', async () => {
    const r = await askrTest(['--root', example]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), [
      '  ✓ Isolation1WritesTest.php',
      '  ✓ Isolation2ReadsTest.php',
      '  ✓ PassingTest.php',
      '  ✗ FailingTest.php (exit 1)',
    ].sort());
    assert.match(summaryLine(r.stdout), /^4 file\(s\): 3 passed, 1 failed in \d+\.\d\ds$/);
    // The failing file's stdout and stderr, in the order written, right under its line.
    assert.match(r.stdout, / {2}✗ FailingTest\.php \(exit 1\)\n {4}│ ok {3}this check passes\n {4}│ about to fail \(written to stderr\)\n {4}│ FAIL one plus one is three\n/);
    assert.doesNotMatch(r.stdout, /never printed/);
    // Passing files' output is not shown by default.
    assert.doesNotMatch(r.stdout, /state written/);
    assert.match(r.stdout, /^askr test: 4 file\(s\), \d+ at a time; template booted in \d+ ms \(bootstrap tests\/bootstrap\.php, PHP 8\.2/m);
  });

  test('without the failing file the run passes with exit 0', async () => {
    const r = await askrTest(['--root', example, 'tests/Isolation1WritesTest.php', 'tests/Isolation2ReadsTest.php', 'tests/PassingTest.php', '--show-output', 'all']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(summaryLine(r.stdout), /^3 file\(s\): 3 passed, 0 failed in /);
    assert.match(r.stdout, / {2}✓ Isolation2ReadsTest\.php\n( {4}│ ok .*\n){8}/);
  });

  test('--jobs 1 and --jobs 2 give the same results', async () => {
    const one = await askrTest(['--root', example, '--jobs', '1']);
    const two = await askrTest(['--root', example, '--jobs', '2']);
    assert.equal(one.code, 1);
    assert.equal(two.code, 1);
    assert.deepEqual(resultLines(one.stdout), resultLines(two.stdout));
    assert.match(one.stdout, /4 file\(s\), 1 at a time/);
    assert.match(two.stdout, /4 file\(s\), 2 at a time/);
  });

  test('the same pair in one PHP process fails: isolation is what makes it pass', () => {
    const tests = join(repoRoot, example, 'tests');
    const code = `include '${join(tests, 'Isolation1WritesTest.php')}'; include '${join(tests, 'Isolation2ReadsTest.php')}';`;
    const r = spawnSync('php', ['-r', code], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /state written\nFAIL no global variable from another file\n$/);
  });
});
