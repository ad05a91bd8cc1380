// The flags of `npm run bench`, their defaults and why. Bad values fail at
// start with a message that names the flag.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { BenchError } from './errors.js';

export interface BenchOptions {
  smoke: boolean;
  /** Scenario and row ids to run (all when empty). */
  only: string[];
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  threads: number;
  connections: number;
  workers: number;
  laravelCaches: boolean;
  askrCli: string | undefined;
  outDir: string;
  /** Where BENCHMARKS.md and the chart go; undefined: docs/ for a full run, nowhere otherwise. */
  docsDir: string | undefined;
  noDocs: boolean;
  /** Re-render the docs from this results file instead of measuring. */
  render: string | undefined;
  list: boolean;
  help: boolean;
  /** --profile DIR: CPU profiles of askr's Node processes and perf recordings of every stack go here. */
  profileDir: string | undefined;
}

/**
 * The default method. 2 cores are shared by wrk and the server under test:
 * one wrk thread (it needs well under a core at these rates, and a second
 * thread would take CPU from the server), 16 connections (8 per PHP worker:
 * every worker always has a request waiting, and the front's queueing is part
 * of what is measured), as many PHP processes as cores on both stacks. The
 * warm-up is long enough for V8's optimising compiler to settle in askr
 * serve's front process: under load its tail keeps shrinking for the first
 * 6–8 s, so a shorter warm-up measures part of its start in round 1.
 */
export const DEFAULTS = { seconds: 8, warmupSeconds: 10, rounds: 5, threads: 1, connections: 16 } as const;
/** --smoke: every scenario for a couple of seconds, one round. */
export const SMOKE = { seconds: 1, warmupSeconds: 1, rounds: 1 } as const;

export const USAGE = `Usage: npm run bench -- [flags]

Runs askr serve side by side with nginx + php-fpm, Varnish and nginx static,
writes bench/results/<timestamp>.json and (for a full run) regenerates
docs/BENCHMARKS.md and docs/benchmarks-ratios.svg.

  --smoke                 every scenario for ${SMOKE.seconds} s, one round (what npm test runs)
  --only <a,b>            only these scenarios/rows (see --list)
  --seconds <n>           seconds per measured run (default ${DEFAULTS.seconds})
  --warmup <n>            seconds of warm-up per stack (default ${DEFAULTS.warmupSeconds})
  --rounds <n>            rounds, stacks alternating (default ${DEFAULTS.rounds})
  --threads <n>           wrk threads (default ${DEFAULTS.threads})
  --connections <n>       wrk connections (default ${DEFAULTS.connections})
  --workers <n>           askr PHP workers = FPM children (default: 2 × cores)
  --no-laravel-caches     run Laravel without config/route/view caches
  --askr-cli <main.js>    measure this build (e.g. sidecar/dist/cli/main.js) instead of compiling the sidecar for the run
  --out <dir>             where the results JSON goes (default bench/results)
  --docs <dir>            write BENCHMARKS.md and the SVG chart here (default: docs/, full runs only)
  --no-docs               never write the docs
  --render <results.json> only regenerate the docs from a results file
  --list                  list the scenarios and rows
  --profile <dir>         also profile: node --cpu-prof for askr serve (whole scenario), and one
                          extra, uncounted run per stack under perf record (perf.data + perf.txt)
`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new BenchError('ASKR_ERR_BENCH_USAGE', `--${name} must be a whole number ≥ 1, got ${JSON.stringify(raw)}`);
  return n;
}

/** Parses argv (without node and the script). */
export function parseBenchOptions(argv: readonly string[], defaultOut: string): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        smoke: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        rounds: { type: 'string' },
        threads: { type: 'string' },
        connections: { type: 'string' },
        workers: { type: 'string' },
        'no-laravel-caches': { type: 'boolean', default: false },
        'askr-cli': { type: 'string' },
        out: { type: 'string' },
        docs: { type: 'string' },
        'no-docs': { type: 'boolean', default: false },
        render: { type: 'string' },
        list: { type: 'boolean', default: false },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BenchError('ASKR_ERR_BENCH_USAGE', `${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  const base = values.smoke ? { ...DEFAULTS, ...SMOKE } : DEFAULTS;
  return {
    smoke: values.smoke,
    only: (values.only ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== ''),
    seconds: positive('seconds', values.seconds, base.seconds),
    warmupSeconds: positive('warmup', values.warmup, base.warmupSeconds),
    rounds: positive('rounds', values.rounds, base.rounds),
    threads: positive('threads', values.threads, base.threads),
    connections: positive('connections', values.connections, base.connections),
    // Two PHP workers per core hide the proxy's round trip behind another worker's work (FPM gets as many children).
    workers: positive('workers', values.workers, 2 * availableParallelism()),
    laravelCaches: !values['no-laravel-caches'],
    askrCli: values['askr-cli'],
    outDir: values.out ?? defaultOut,
    docsDir: values.docs,
    noDocs: values['no-docs'],
    render: values.render,
    list: values.list,
    help: values.help,
    profileDir: values.profile,
  };
}

/** full: everything with the default method; smoke; partial: anything else (its docs are not written to docs/ by default). */
export function runMode(o: BenchOptions): 'full' | 'smoke' | 'partial' {
  if (o.smoke) return 'smoke';
  const defaultMethod = o.seconds === DEFAULTS.seconds && o.warmupSeconds === DEFAULTS.warmupSeconds && o.rounds === DEFAULTS.rounds
    && o.threads === DEFAULTS.threads && o.connections === DEFAULTS.connections && o.laravelCaches && o.askrCli === undefined
    && o.profileDir === undefined;
  return o.only.length === 0 && defaultMethod ? 'full' : 'partial';
}
