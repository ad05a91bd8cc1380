// `askr test` flags: defaults, the ASKR_TEST_* variables, where relative paths
// are looked up (cwd first, then --root), and errors that name the flag.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { envName } from '../src/config/option.js';
import { AskrError } from '../src/errors.js';
import { parseTestConfig, phpunitRunnerScript, testHelp } from '../src/testrunner/test-config.js';
import { testOptions } from '../src/testrunner/test-options.js';

let dir: string;
let app: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'askr-testrunner-config-'));
  app = join(dir, 'app');
  mkdirSync(join(app, 'tests', 'Unit'), { recursive: true });
  mkdirSync(join(dir, 'elsewhere'), { recursive: true });
  writeFileSync(join(app, 'runner.php'), '<?php');
  writeFileSync(join(app, 'tests', 'bootstrap.php'), '<?php');
  writeFileSync(join(dir, 'elsewhere', 'own-runner.php'), '<?php');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configError(fn: () => unknown, flagOrText: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AskrError, String(err));
    assert.equal(err.code, 'ASKR_ERR_CONFIG');
    assert.equal(err.exitCode, 2);
    assert.match(err.message, flagOrText);
    return true;
  });
}

describe('parseTestConfig', () => {
  test('defaults: <root>/tests, one job per CPU, 600 s timeout, output of failures only', () => {
    const c = parseTestConfig(['--root', app], {}, dir);
    assert.equal(c.root, app);
    assert.deepEqual(c.paths, [join(app, 'tests')]);
    assert.equal(c.jobs, availableParallelism());
    assert.equal(c.timeout, 600);
    assert.equal(c.showOutput, 'failed');
    assert.equal(c.runner, undefined);
    assert.equal(c.bootstrap, undefined);
    assert.equal(c.junit, undefined);
    assert.equal(c.phpBinary, 'php');
    assert.deepEqual(c.phpIni, []);
  });

  test('relative paths: the current directory first, then --root (as in `askr test --root app tests/`)', () => {
    const c = parseTestConfig(['--root', 'app', '--runner', 'runner.php', '--bootstrap', 'tests/bootstrap.php', 'tests/Unit'], {}, dir);
    assert.equal(c.runner, join(app, 'runner.php'));
    assert.equal(c.bootstrap, join(app, 'tests', 'bootstrap.php'));
    assert.deepEqual(c.paths, [join(app, 'tests', 'Unit')]);
    const fromCwd = parseTestConfig(['--root', 'app', '--runner', 'elsewhere/own-runner.php'], {}, dir);
    assert.equal(fromCwd.runner, join(dir, 'elsewhere', 'own-runner.php'));
  });

  test('--runner phpunit names the runtime shim', () => {
    assert.equal(parseTestConfig(['--root', app, '--runner', 'phpunit'], {}, dir).runner, phpunitRunnerScript);
    assert.match(phpunitRunnerScript, /php-image\/runtime\/phpunit-runner\.php$/);
  });

  test('flags win over ASKR_TEST_* variables; ASKR_ROOT (serve\'s document root) is not read', () => {
    const env = { ASKR_TEST_ROOT: app, ASKR_TEST_JOBS: '3', ASKR_TEST_JUNIT: 'out/report.xml', ASKR_ROOT: '/nonexistent', ASKR_TEST_SHOW_OUTPUT: 'all' };
    const c = parseTestConfig(['--jobs', '5'], env, dir);
    assert.equal(c.root, app);
    assert.equal(c.jobs, 5);
    assert.equal(c.junit, join(dir, 'out', 'report.xml'));
    assert.equal(c.showOutput, 'all');
  });

  test('--timeout takes durations; 0 means none', () => {
    assert.equal(parseTestConfig(['--root', app, '--timeout', '1.5s'], {}, dir).timeout, 1.5);
    assert.equal(parseTestConfig(['--root', app, '--timeout', '250ms'], {}, dir).timeout, 0.25);
    assert.equal(parseTestConfig(['--root', app, '--timeout', '0'], {}, dir).timeout, 0);
  });

  test('bad values fail with the flag named', () => {
    configError(() => parseTestConfig(['--root', join(dir, 'nope')], {}, dir), /^--root: .* is not a directory/);
    configError(() => parseTestConfig(['--root', app, '--runner', 'missing.php'], {}, dir), /^--runner: no such file: missing\.php/);
    configError(() => parseTestConfig(['--root', app, '--bootstrap', 'missing.php'], {}, dir), /^--bootstrap: no such file/);
    configError(() => parseTestConfig(['--root', app, '--jobs', '0'], {}, dir), /^--jobs: must be at least 1/);
    configError(() => parseTestConfig(['--root', app, '--show-output', 'some'], {}, dir), /^--show-output: expected one of failed, all, none/);
    configError(() => parseTestConfig(['--root', app, '--nope'], {}, dir), /unknown flag --nope/);
    configError(() => parseTestConfig(['--root', app, 'no/such/dir'], {}, dir), /no such test file or directory: no\/such\/dir/);
  });

  test('no tests/ directory and no paths is a clear error', () => {
    configError(() => parseTestConfig(['--root', join(dir, 'elsewhere')], {}, dir), /no test files: .*\/tests does not exist/);
  });

  test('--help lists every flag with its variable', () => {
    const help = testHelp();
    for (const spec of testOptions) assert.ok(help.includes(`--${spec.flag}`), spec.flag);
    assert.match(help, /env: ASKR_TEST_JOBS/);
    assert.match(help, /Usage: askr test/);
  });

  test('docs/askr-test.md documents every flag and its variable', () => {
    const docs = readFileSync(new URL('../../docs/askr-test.md', import.meta.url), 'utf8');
    for (const spec of testOptions) {
      assert.ok(docs.includes(`| \`--${spec.flag}`), `--${spec.flag} missing from the flags table`);
      assert.ok(docs.includes(`\`${envName(spec)}\``), `${envName(spec)} missing from the flags table`);
    }
  });
});
