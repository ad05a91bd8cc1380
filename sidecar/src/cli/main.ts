#!/usr/bin/env node
import { AskrError } from '../errors.js';
import { VERSION } from '../version.js';
import { runServe } from './serve-command.js';

const USAGE = `Usage: askr <command> [flags]

Commands:
  serve     serve a PHP app from a warm, forking template
  replay    re-run a recorded 5xx against a fresh worker
  test      run a PHP test suite: boot once, fork per test file

askr <command> --help shows the command's flags. askr --version prints the version.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`askr ${VERSION}\n`);
      return 0;
    case 'serve':
      return runServe(rest);
    case 'replay': {
      const { runReplay } = await import('./replay-command.js');
      return runReplay(rest);
    }
    case 'test': {
      const { runTest } = await import('./test-command.js');
      return runTest(rest);
    }
    default:
      process.stderr.write(`askr: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Exit now: a failed start may leave retry timers behind that would keep the process alive.
    if (err instanceof AskrError) {
      process.stderr.write(`askr: ${err.message}\n`, () => process.exit(err.exitCode));
      return;
    }
    process.stderr.write(`askr: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`, () => process.exit(1));
  },
);
