import { runTests } from '../testrunner/run-tests.js';
import { parseTestConfig, testHelp } from '../testrunner/test-config.js';

/**
 * `askr test`: boots the app's test bootstrap once in a PHP template and forks
 * one warm, isolated child per test file (docs/askr-test.md). Exit status 0
 * when every file passed, 1 when one failed, 2 for bad flags or no test files,
 * 130 when interrupted (Ctrl-C stops every running file).
 */
export async function runTest(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(testHelp() + '\n');
    return 0;
  }
  const config = parseTestConfig(argv);
  const abort = new AbortController();
  const stop = (): void => {
    if (abort.signal.aborted) {
      process.stderr.write('askr test: second interrupt, exiting now\n');
      process.exit(130);
    }
    process.stderr.write('askr test: interrupted, stopping the running files\n');
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const run = await runTests(config, {
      write: (text) => process.stdout.write(text),
      warn: (text) => process.stderr.write(text),
      color: process.stdout.isTTY && process.env.NO_COLOR === undefined,
    }, abort.signal);
    return run.exitCode;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
