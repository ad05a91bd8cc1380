// askr serve as a stack under test: started with the CLI the run measures, on
// an OS-allocated port, with the same opcache settings and app environment as
// the FPM stack, ready once it prints its "listening" line.
import { BenchError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { OPCACHE_SETTINGS, RECYCLE_AFTER_REQUESTS } from './peer-stacks.js';
import { commandLine, type Stack } from './stack.js';

/** Longest askr serve may take to boot the app and listen, ms. */
const START_MS = 60_000;

export interface AskrStackOptions {
  /** Path of the askr CLI's main.js. */
  cli: string;
  root: string;
  /** Worker script (worker mode); classic mode without it. */
  workerScript?: string;
  workers: number;
  /** --response-cache MB, when the scenario measures cache hits. */
  responseCacheMb?: number;
  /** --http-procs: front processes (default 1). */
  httpProcs?: number;
  /** Environment for the app (passed to the template and its workers). */
  env: Readonly<Record<string, string>>;
  /** Flags for node itself, before the CLI (--cpu-prof under --profile). */
  nodeArgs?: readonly string[];
}

/** The argument list of `askr serve` for these options (also what the results record). */
export function askrServeArgs(o: AskrStackOptions): string[] {
  const args = ['serve', '--root', o.root];
  if (o.workerScript !== undefined) args.push('--worker-script', o.workerScript);
  args.push(
    '--listen', '127.0.0.1:0',
    '--admin-listen', 'off',
    '--access-log', 'off',
    '--workers', String(o.workers),
    '--max-requests', String(RECYCLE_AFTER_REQUESTS),
    '--php-ini', Object.entries(OPCACHE_SETTINGS).map(([k, v]) => `${k}=${v}`).join(','),
  );
  if (o.responseCacheMb !== undefined) args.push('--response-cache', String(o.responseCacheMb));
  if (o.httpProcs !== undefined && o.httpProcs > 1) args.push('--http-procs', String(o.httpProcs));
  return args;
}

/** Starts askr serve and resolves once it listens. */
export async function startAskrStack(o: AskrStackOptions): Promise<Stack> {
  const args = [...(o.nodeArgs ?? []), o.cli, ...askrServeArgs(o)];
  const proc = await ManagedProcess.start(process.execPath, args, { env: { ...process.env, ...o.env } });
  let url: string;
  try {
    const line = await proc.waitForLine(/"event":"listening"/, START_MS);
    const info = JSON.parse(line) as { url?: unknown };
    if (typeof info.url !== 'string') throw new BenchError('ASKR_ERR_BENCH_START', `askr serve printed no url: ${line}`);
    url = info.url.replace(/\/$/, '');
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
  return {
    id: 'askr',
    url,
    roots: [proc.pid],
    commands: [commandLine('node', args, o.env)],
    configs: {},
    logs: () => proc.tail(60),
    async stop() {
      await proc.stop(10_000);
    },
  };
}
