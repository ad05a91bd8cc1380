import type { OptionSpec } from '../config/option.js';

/**
 * The `askr test` options. Variables are `ASKR_TEST_*` (not `ASKR_*`) where the
 * bare name would collide with an `askr serve` variable of another meaning:
 * `ASKR_ROOT` is serve's document root, not the app's base.
 */
export const testOptions = [
  { key: 'root', flag: 'root', kind: 'path', default: '.', env: 'ASKR_TEST_ROOT', group: 'Application',
    help: "The app's base directory: tests see it as ASKR_APP_BASE and as the working directory; tests/, phpunit.xml and the bootstrap are looked up here." },
  { key: 'runner', flag: 'runner', kind: 'path', env: 'ASKR_TEST_RUNNER', group: 'Application',
    help: 'PHP script run once per test file instead of the file itself (it finds the file in ASKR_TEST_FILE). "phpunit" means the runtime\'s phpunit-runner.php (Debian\'s PHPUnit 9.6).' },
  { key: 'bootstrap', flag: 'bootstrap', kind: 'path', env: 'ASKR_TEST_BOOTSTRAP', group: 'Application',
    help: "PHP file included once in the template before any fork. Default: phpunit.xml's bootstrap with the PHPUnit runner, else tests/bootstrap.php; else vendor/autoload.php." },
  { key: 'phpBinary', flag: 'php-binary', kind: 'string', default: 'php', group: 'Application',
    help: 'PHP CLI that runs the test template.' },
  { key: 'phpIni', flag: 'php-ini', kind: 'list', group: 'Application',
    help: 'Extra ini settings for the template and every test, as key=value, comma-separated (e.g. memory_limit=1G).' },

  { key: 'jobs', flag: 'jobs', kind: 'int', min: 1, max: 1024, env: 'ASKR_TEST_JOBS', group: 'Running',
    help: 'Test files running at once, each in its own forked process. Default: the number of CPUs.' },
  { key: 'timeout', flag: 'timeout', kind: 'seconds', default: '600', unit: 's', min: 0, max: 86400, env: 'ASKR_TEST_TIMEOUT', group: 'Running',
    help: 'Longest one test file may run; past it its processes are killed and it fails (0: no limit).' },

  { key: 'junit', flag: 'junit', kind: 'path', env: 'ASKR_TEST_JUNIT', group: 'Report',
    help: "Write a JUnit XML report here: one testsuite per file, with PHPUnit's own test cases when the runner logs them." },
  { key: 'showOutput', flag: 'show-output', kind: 'string', default: 'failed', env: 'ASKR_TEST_SHOW_OUTPUT', group: 'Report',
    help: "Whose captured output to print, as one block under the file's line: failed, all or none." },
] as const satisfies readonly OptionSpec[];
