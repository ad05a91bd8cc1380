// How `askr test` fails: crashes, fatal errors, timeouts, a broken bootstrap, no
// test files, Ctrl-C, and either side of the CLI/template pair dying. Every
// case checks that no test process is left behind.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive as alive } from '../src/process-alive.js';
import { askrTest, resultLines, scratchApp, startAskrTest, summaryLine, waitFor } from './askr-test-harness.js';

const scratch: string[] = [];
after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function app(files: Record<string, string>): string {
  const dir = scratchApp(files);
  scratch.push(dir);
  return dir;
}

/** A test that records its pid, its template's pid and a grandchild's pid, then hangs. */
const HANG = `<?php
$sleeper = proc_open(['sleep', '300'], [], $pipes);
$pids = ['test' => getmypid(), 'template' => posix_getppid(), 'grandchild' => proc_get_status($sleeper)['pid']];
file_put_contents(__DIR__ . '/../pids.json', json_encode($pids));
echo "hanging\\n";
sleep(300);
`;

interface Pids { test: number; template: number; grandchild: number }

function pids(dir: string): Pids {
  return JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')) as Pids;
}

/**
 * Waits for the hanging test to have written its pids and returns them.
 * file_put_contents() creates the file before it writes, so the file can exist
 * empty or half written: poll until it parses, not just until it exists.
 */
async function started(dir: string): Promise<Pids> {
  let found: Pids | undefined;
  const parsed = (): boolean => {
    if (!existsSync(join(dir, 'pids.json'))) return false;
    try {
      found = pids(dir);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(await waitFor(parsed, 30_000) && found, 'the hanging test never wrote a complete pids.json');
  return found;
}

async function allGone(p: { test: number; template: number; grandchild: number }): Promise<void> {
  assert.ok(await waitFor(() => !alive(p.test) && !alive(p.grandchild) && !alive(p.template), 15_000),
    `left behind: ${JSON.stringify({ test: alive(p.test), grandchild: alive(p.grandchild), template: alive(p.template) })}`);
}

describe('askr test failure modes', () => {
  test('a crash is reported with its signal, a fatal error with exit 255, both with their output', async () => {
    const dir = app({
      'tests/CrashTest.php': '<?php\necho "before the crash\\n";\nposix_kill(getmypid(), SIGSEGV);\nsleep(5);\n',
      'tests/FatalTest.php': '<?php\necho "calling\\n";\nno_such_function_anywhere();\n',
      'tests/OkTest.php': '<?php\necho "fine\\n";\n',
    });
    const r = await askrTest(['--root', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✓ OkTest.php', '  ✗ CrashTest.php (killed by SIGSEGV)', '  ✗ FatalTest.php (exit 255)']);
    assert.match(r.stdout, / {2}✗ CrashTest\.php \(killed by SIGSEGV\)\n {4}│ before the crash\n/);
    assert.match(r.stdout, / {2}✗ FatalTest\.php \(exit 255\)\n {4}│ calling\n {4}│ PHP Fatal error: {2}Uncaught Error: Call to undefined function no_such_function_anywhere\(\)/);
    assert.match(summaryLine(r.stdout), /^3 file\(s\): 1 passed, 2 failed in /);
  });

  test('--timeout kills the file and everything it started', async () => {
    const dir = app({ 'tests/HangTest.php': HANG, 'tests/QuickTest.php': '<?php\n' });
    const r = await askrTest(['--root', dir, '--timeout', '2s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✓ QuickTest.php', '  ✗ HangTest.php (timeout after 2s)']);
    assert.match(r.stdout, / {4}│ hanging\n/);
    await allGone(pids(dir));
  });

  test('no test files is an error that says where it looked', async () => {
    const dir = app({ 'tests/helper.php': '<?php\n', 'tests/Unit/README.md': 'none here' });
    const r = await askrTest(['--root', dir]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^askr: no test files \(\*Test\.php\) found in .*\/tests\n$/);
    assert.equal(r.stdout, '');
  });

  test('a bootstrap that throws stops the run before any fork, with the reason', async () => {
    const dir = app({ 'tests/bootstrap.php': '<?php\nthrow new RuntimeException("database is not configured");\n', 'tests/ATest.php': '<?php\n' });
    const r = await askrTest(['--root', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /askr: the test template could not boot: the test bootstrap failed: RuntimeException: database is not configured in .*bootstrap\.php:2/);
    assert.doesNotMatch(r.stdout, /ATest/);
  });

  test('a bootstrap with a parse error is reported like any throwable', async () => {
    const dir = app({ 'boot.php': '<?php\nthis is not php;\n', 'tests/ATest.php': '<?php\n' });
    const r = await askrTest(['--root', dir, '--bootstrap', 'boot.php']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /askr: the test template could not boot: the test bootstrap failed: ParseError: syntax error, .* in .*boot\.php:2\n$/);
  });

  test('a fatal error in the bootstrap: PHP\'s own message, then the CLI\'s', async () => {
    const dir = app({ 'tests/bootstrap.php': '<?php\nfunction twice() {}\nfunction twice() {}\n', 'tests/ATest.php': '<?php\n' });
    const r = await askrTest(['--root', dir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /PHP Fatal error: {2}Cannot redeclare twice\(\)[^\n]*bootstrap\.php on line 3\n[\s\S]*askr: the test template exited during boot \(exit code 255\); its output above says why\n$/);
  });

  test('a PHP that cannot be started is a clear error', async () => {
    const dir = app({ 'tests/ATest.php': '<?php\n' });
    const r = await askrTest(['--root', dir, '--php-binary', join(dir, 'no-such-php')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^askr: cannot start .*no-such-php: spawn .*no-such-php ENOENT\n$/);
  });

  test('a test that prints megabytes: the report keeps the end, the run goes on', async () => {
    const dir = app({
      'tests/NoisyTest.php': '<?php\nfor ($i = 0; $i < 200000; $i++) { echo str_repeat("x", 60), " line $i\\n"; }\necho "the very end\\n";\nexit(1);\n',
      'tests/QuietTest.php': '<?php\n',
    });
    const r = await askrTest(['--root', dir, '--jobs', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✓ QuietTest.php', '  ✗ NoisyTest.php (exit 1)']);
    assert.match(r.stdout, / {4}… \d+ bytes cut …\n/);
    assert.match(r.stdout, / {4}│ x{60} line 199999\n {4}│ the very end\n {2}✓ QuietTest\.php\n/);
    assert.ok(r.stdout.length < 400_000, `${r.stdout.length} bytes of report`);
  });

  test('Ctrl-C stops the running files, reports them and exits 130', async () => {
    const dir = app({ 'tests/AQuickTest.php': '<?php\n', 'tests/HangTest.php': HANG, 'tests/ZNeverTest.php': '<?php\n' });
    const cli = startAskrTest(['--root', dir, '--jobs', '1', '--timeout', '0']);
    const p = await started(dir);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 130, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✓ AQuickTest.php', '  ✗ HangTest.php (interrupted)']);
    assert.match(summaryLine(r.stdout), /^3 file\(s\): 1 passed, 1 failed, 1 not run in \d+\.\d\ds \(interrupted\)$/);
    assert.match(r.stderr, /interrupted, stopping the running files/);
    await allGone(p);
  });

  test('the template dying fails the running file and leaves nothing behind', async () => {
    const dir = app({ 'tests/HangTest.php': HANG, 'tests/ZLaterTest.php': '<?php\n' });
    const cli = startAskrTest(['--root', dir, '--jobs', '1', '--timeout', '0']);
    const p = await started(dir);
    process.kill(p.template, 'SIGKILL');
    const r = await cli.done;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(resultLines(r.stdout), ['  ✗ HangTest.php (the test template exited (SIGKILL))']);
    assert.match(summaryLine(r.stdout), /^2 file\(s\): 0 passed, 1 failed, 1 not run in /);
    assert.match(r.stderr, /the test template exited \(SIGKILL\) before the run was over/);
    await allGone(p);
  });

  test('the CLI dying stops the template and its tests', async () => {
    const dir = app({ 'tests/HangTest.php': HANG });
    const cli = startAskrTest(['--root', dir, '--timeout', '0']);
    const p = await started(dir);
    cli.child.kill('SIGKILL');
    await cli.done;
    await allGone(p);
  });
});
