// `askr test` with the runtime's PHPUnit shim, on Debian's PHPUnit 9.6: the
// Laravel example's suite (≥ 40 files booting the app), the PHPUnit isolation
// example, a failing PHPUnit file, and JUnit reports whose counts match what
// PHPUnit itself reports for the same files.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askrTest, junitCounts, phpunitLogCounts, phpunitRunner, repoRoot, resultLines, scratchApp, summaryLine } from './askr-test-harness.js';

const scratch: string[] = [];
after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'askr-test-junit-'));
  scratch.push(d);
  return d;
}

describe('askr test with the PHPUnit runner', () => {
  test('the Laravel example suite passes, and the JUnit report counts what PHPUnit counts', async () => {
    const out = tmp();
    const r = await askrTest(['--root', 'examples/laravel', '--runner', phpunitRunner, 'tests/', '--junit', join(out, 'askr.xml')], 300_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const files = resultLines(r.stdout);
    assert.ok(files.length >= 40, `only ${files.length} test files`);
    assert.ok(files.every((l) => l.startsWith('  ✓ ')), files.filter((l) => !l.startsWith('  ✓ ')).join('\n'));
    assert.match(summaryLine(r.stdout), new RegExp(`^${files.length} file\\(s\\): ${files.length} passed, 0 failed in `));
    assert.match(r.stdout, /bootstrap tests\/bootstrap\.php, PHP 8\.2\.\d+, PHPUnit 9\.6\.\d+\)/);

    // The same files in one plain PHPUnit process, logging its own JUnit file.
    const plain = spawnSync('phpunit', ['-c', 'examples/laravel/phpunit.xml', '--log-junit', join(out, 'plain.xml')], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
    assert.equal(plain.status, 0, plain.stdout + plain.stderr);
    const expected = phpunitLogCounts(join(out, 'plain.xml'));
    const got = junitCounts(join(out, 'askr.xml'));
    assert.ok(expected.tests >= 80, `PHPUnit ran ${expected.tests} tests`);
    assert.deepEqual({ tests: got.tests, failures: got.failures, errors: got.errors, skipped: got.skipped },
      { tests: expected.tests, failures: 0, errors: 0, skipped: expected.skipped });
    assert.equal(got.suites, files.length);
    assert.equal(got.testcases, expected.tests);
  });

  test('the PHPUnit isolation pair passes under askr test and fails in one PHPUnit process', async () => {
    const r = await askrTest(['--root', 'examples/askr-test/phpunit', '--runner', 'phpunit']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✓ Isolation1WritesTest.php', '  ✓ Isolation2ReadsTest.php']);

    const plain = spawnSync('phpunit', ['-c', 'examples/askr-test/phpunit/phpunit.xml'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    assert.equal(plain.status, 1, plain.stdout);
    assert.match(plain.stdout, /Tests: 6, Assertions: 6, Failures: 4\./);
  });

  test('a failing PHPUnit file: exit 1, PHPUnit\'s report as one block, per-test cases in JUnit', async () => {
    const app = scratchApp({
      'phpunit.xml': '<?xml version="1.0"?>\n<phpunit bootstrap="tests/bootstrap.php" cacheResult="false"><php><env name="SUITE_MARK" value="from-config"/></php></phpunit>\n',
      'tests/bootstrap.php': '<?php\n// Sees the <php> section of phpunit.xml, as under plain phpunit.\ndefine("BOOT_SAW", getenv("SUITE_MARK"));\n',
      'tests/MathTest.php': `<?php
use PHPUnit\\Framework\\TestCase;
final class MathTest extends TestCase {
    public function testAdds(): void { $this->assertSame(2, 1 + 1); }
    public function testBootstrapSawConfig(): void { $this->assertSame('from-config', BOOT_SAW); }
    public function testWrong(): void { $this->assertSame(3, 1 + 1, 'one plus one'); }
    public function testLater(): void { $this->markTestSkipped('not yet'); }
}
`,
      'tests/FineTest.php': `<?php
use PHPUnit\\Framework\\TestCase;
final class FineTest extends TestCase {
    public function testFine(): void { $this->assertTrue(true); }
}
`,
    });
    scratch.push(app);
    const report = join(app, 'out', 'junit.xml');
    const r = await askrTest(['--root', app, '--runner', 'phpunit', '--junit', report, '--jobs', '2']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✓ FineTest.php', '  ✗ MathTest.php (exit 1)']);
    assert.match(r.stdout, / {2}✗ MathTest\.php \(exit 1\)\n {4}│ PHPUnit 9\.6\.\d+ [^\n]*\n(?: {4}│[^\n]*\n)*? {4}│ 1\) MathTest::testWrong\n {4}│ one plus one\n/);
    assert.match(r.stdout, / {4}│ Tests: 4, Assertions: 3, Failures: 1, Skipped: 1\.\n/);
    assert.match(summaryLine(r.stdout), /^2 file\(s\): 1 passed, 1 failed in /);
    assert.deepEqual(junitCounts(report), { tests: 5, failures: 1, errors: 0, skipped: 1, suites: 2, testcases: 5, failureElements: 1, errorElements: 0 });
  });

  test('@runInSeparateProcess works inside a forked child (the runtime is not replayed into it)', async () => {
    const app = scratchApp({
      'phpunit.xml': '<?xml version="1.0"?>\n<phpunit bootstrap="tests/bootstrap.php" cacheResult="false"/>\n',
      'tests/bootstrap.php': '<?php\ndefine("BOOTED_IN", getmypid());\n',
      'tests/SeparateTest.php': `<?php
use PHPUnit\\Framework\\TestCase;
final class SeparateTest extends TestCase {
    /** @runInSeparateProcess */
    public function testInAFreshProcess(): void {
        $this->assertTrue(defined('BOOTED_IN'));
        $this->assertFalse(function_exists('askr_defer'), 'the Askr runtime was replayed into the separate process');
    }
    public function testInTheFork(): void { $this->assertTrue(function_exists('askr_defer')); }
}
`,
    });
    scratch.push(app);
    const r = await askrTest(['--root', app, '--runner', 'phpunit', '--timeout', '60', '--show-output', 'all']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, / {4}│ OK \(2 tests, 3 assertions\)\n/);
  });

  test('--jobs 1 and --jobs 2 agree on the Laravel suite, test by test', async () => {
    const out = tmp();
    const one = await askrTest(['--root', 'examples/laravel', '--runner', 'phpunit', '--jobs', '1', '--junit', join(out, 'one.xml')], 300_000);
    const two = await askrTest(['--root', 'examples/laravel', '--runner', 'phpunit', '--jobs', '2', '--junit', join(out, 'two.xml')], 300_000);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.equal(two.code, 0, two.stdout + two.stderr);
    assert.deepEqual(resultLines(one.stdout), resultLines(two.stdout));
    assert.deepEqual(junitCounts(join(out, 'one.xml')), junitCounts(join(out, 'two.xml')));
  });
});
