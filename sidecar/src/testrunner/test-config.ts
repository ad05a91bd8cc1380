import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { AskrError } from '../errors.js';
import { parseOptions, renderHelp } from '../config/parse-options.js';
import { runtimeDir } from '../php/template-process.js';
import { testOptions } from './test-options.js';

/** Captured output printed under a file's result line. */
export type ShowOutput = 'failed' | 'all' | 'none';

/** What `askr test` runs, with every path absolute and checked. */
export interface TestConfig {
  root: string;
  /** Absolute path of the runner script; undefined: each file runs as a plain script. */
  runner: string | undefined;
  /** Absolute path given with --bootstrap; undefined: the template picks the default. */
  bootstrap: string | undefined;
  phpBinary: string;
  phpIni: string[];
  jobs: number;
  /** Per-file limit in seconds; 0 means none. */
  timeout: number;
  junit: string | undefined;
  showOutput: ShowOutput;
  /** Test files and directories, absolute; never empty (default: <root>/tests). */
  paths: string[];
}

/** The runtime's PHPUnit shim, which `--runner phpunit` names. */
export const phpunitRunnerScript = join(runtimeDir, 'phpunit-runner.php');

const SHOW_OUTPUT: readonly ShowOutput[] = ['failed', 'all', 'none'];

function kindOf(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A path as the user typed it: absolute, or relative to the current directory,
 * or failing that to --root (so `askr test --root app tests/` works from
 * anywhere, as DESIGN.md shows it).
 */
function locate(raw: string, cwd: string, root: string, want: 'file' | 'any'): string | undefined {
  const candidates = isAbsolute(raw) ? [raw] : [resolve(cwd, raw), resolve(root, raw)];
  return candidates.find((p) => {
    const k = kindOf(p);
    return want === 'any' ? k !== undefined : k === 'file';
  });
}

/**
 * Parses `askr test` arguments and `ASKR_TEST_*` variables into a TestConfig,
 * or throws ASKR_ERR_CONFIG naming the flag (or path) that is wrong.
 */
export function parseTestConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): TestConfig {
  const { config, positional } = parseOptions(testOptions, argv, env);
  const root = resolve(cwd, config.root);
  if (kindOf(root) !== 'dir') throw new AskrError('ASKR_ERR_CONFIG', `--root: ${root} is not a directory`);

  let runner: string | undefined;
  if (config.runner === 'phpunit') runner = phpunitRunnerScript;
  else if (config.runner !== undefined) {
    runner = locate(config.runner, cwd, root, 'file');
    if (runner === undefined) throw new AskrError('ASKR_ERR_CONFIG', `--runner: no such file: ${config.runner} (looked in ${cwd} and ${root})`);
  }
  let bootstrap: string | undefined;
  if (config.bootstrap !== undefined) {
    bootstrap = locate(config.bootstrap, cwd, root, 'file');
    if (bootstrap === undefined) throw new AskrError('ASKR_ERR_CONFIG', `--bootstrap: no such file: ${config.bootstrap} (looked in ${cwd} and ${root})`);
  }
  if (!SHOW_OUTPUT.includes(config.showOutput as ShowOutput)) {
    throw new AskrError('ASKR_ERR_CONFIG', `--show-output: expected one of ${SHOW_OUTPUT.join(', ')}, got "${config.showOutput}"`);
  }
  const paths = positional.length === 0 ? [join(root, 'tests')] : positional.map((raw) => {
    const found = locate(raw, cwd, root, 'any');
    if (found === undefined) throw new AskrError('ASKR_ERR_CONFIG', `no such test file or directory: ${raw} (looked in ${cwd} and ${root})`);
    return found;
  });
  if (positional.length === 0 && kindOf(paths[0] ?? '') !== 'dir') {
    throw new AskrError('ASKR_ERR_CONFIG', `no test files: ${root}/tests does not exist (name test files or directories after the flags)`);
  }
  return {
    root,
    runner,
    bootstrap,
    phpBinary: config.phpBinary,
    phpIni: config.phpIni ?? [],
    jobs: config.jobs ?? availableParallelism(),
    timeout: config.timeout,
    junit: config.junit === undefined ? undefined : resolve(cwd, config.junit),
    showOutput: config.showOutput as ShowOutput,
    paths,
  };
}

/** `askr test --help`. */
export function testHelp(): string {
  return [
    'Usage: askr test [flags] [PATHS…]',
    '',
    'Boots the test bootstrap once in a PHP template, then forks one warm, isolated',
    'process per test file. PATHS are files or directories (scanned recursively for',
    '*Test.php); default: <root>/tests. Exit status: 0 all passed, 1 a file failed,',
    '2 bad flags or no test files, 130 interrupted.',
    renderHelp(testOptions),
  ].join('\n');
}
