import { mkdtempSync, mkdirSync, accessSync, constants } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { AskrError } from '../errors.js';
import { coreServeOptions } from './serve-options.js';
import { recordOptions } from './record-options.js';
import { pusherOptions } from './pusher-options.js';
import { cacheOptions } from './cache-options.js';
import { peerOptions } from './peer-options.js';
import { parseOptions, renderHelp, type ConfigOf } from './parse-options.js';

/** Every `askr serve` option, in --help order. */
export const allServeOptions = [...coreServeOptions, ...cacheOptions, ...pusherOptions, ...recordOptions, ...peerOptions] as const;

export type RawServeConfig = ConfigOf<typeof allServeOptions>;

/** The settings `askr serve` runs with, after defaults and cross-checks. */
export interface ServeConfig extends RawServeConfig {
  mode: 'worker' | 'classic';
  runDir: string;
  shm: string;
  workersMin: number;
  workersMax: number;
  drainTimeout: number;
  /** True when --run-dir was not given and a private directory was made. */
  runDirIsTemporary: boolean;
}

/**
 * Parses `askr serve` arguments and `ASKR_*` variables into a ServeConfig, or
 * throws ASKR_ERR_CONFIG naming the flag that is wrong.
 */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const { config, positional, explicit } = parseOptions(allServeOptions, argv, env);
  if (positional.length > 0) throw new AskrError('ASKR_ERR_CONFIG', `unexpected argument "${positional[0] ?? ''}" (askr serve takes only flags)`);
  let { workersMin, workersMax } = config;
  if (config.workers !== undefined) {
    if (explicit.has('workersMin') || explicit.has('workersMax')) {
      throw new AskrError('ASKR_ERR_CONFIG', '--workers: give either --workers or --workers-min/--workers-max, not both');
    }
    workersMin = workersMax = config.workers;
  } else if (explicit.has('workersMin') && !explicit.has('workersMax') && workersMin > workersMax) {
    workersMax = workersMin;
  } else if (explicit.has('workersMax') && !explicit.has('workersMin') && workersMin > workersMax) {
    workersMin = workersMax;
  }
  if (workersMin > workersMax) {
    throw new AskrError('ASKR_ERR_CONFIG', `--workers-min: ${workersMin} is above --workers-max ${workersMax}`);
  }
  if (config.httpProcs > workersMax) {
    throw new AskrError('ASKR_ERR_CONFIG', `--http-procs: ${config.httpProcs} front processes need at least as many workers (--workers-max is ${workersMax})`);
  }
  const root = resolve(config.root);
  try {
    accessSync(root, constants.R_OK);
  } catch {
    throw new AskrError('ASKR_ERR_CONFIG', `--root: ${root} does not exist or is not readable`);
  }
  const workerScript = config.workerScript === undefined ? undefined : resolve(config.workerScript);
  if (workerScript !== undefined && !config.templateSocket) {
    try {
      accessSync(workerScript, constants.R_OK);
    } catch {
      throw new AskrError('ASKR_ERR_CONFIG', `--worker-script: ${workerScript} does not exist or is not readable`);
    }
  }
  let runDir = config.runDir;
  let runDirIsTemporary = false;
  if (runDir === undefined) {
    runDir = mkdtempSync(join(tmpdir(), 'askr-'));
    runDirIsTemporary = true;
  } else {
    runDir = resolve(runDir);
    try {
      mkdirSync(runDir, { recursive: true, mode: 0o770 });
      accessSync(runDir, constants.W_OK);
    } catch {
      throw new AskrError('ASKR_ERR_CONFIG', `--run-dir: ${runDir} cannot be created or is not writable`);
    }
  }
  return {
    ...config,
    root,
    workerScript,
    mode: workerScript === undefined ? 'classic' : 'worker',
    workersMin,
    workersMax,
    runDir,
    runDirIsTemporary,
    shm: config.shm === undefined ? join(runDir, 'askr.shm') : resolve(config.shm),
    drainTimeout: config.drainTimeout ?? config.requestTimeout + config.deferTimeout,
  };
}

export function serveHelp(): string {
  return [
    'Usage: askr serve [flags]',
    '',
    'Serve a PHP app: static files from --root, everything else from warm PHP workers',
    `forked from a booted template. Every flag also reads from its ASKR_* variable. (${availableParallelism()} CPUs here.)`,
    renderHelp(allServeOptions),
  ].join('\n');
}
