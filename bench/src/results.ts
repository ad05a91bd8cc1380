// The shape of bench/results/<timestamp>.json: every raw run, the medians and
// ratios computed from them, the machine, the versions and the exact commands.
// docs/BENCHMARKS.md is generated from this file alone, so a results file can
// be re-rendered later (npm run bench -- --render bench/results/<file>.json).
import type { StackId } from './stack.js';
import type { TreeSample } from './process-tree.js';
import type { WrkLoad, WrkResult } from './wrk-run.js';

/** Bumped when a field changes meaning (2: ratios are medians of per-round ratios). */
export const RESULTS_SCHEMA = 2;

/** One wrk run against one stack. */
export interface RunRecord extends WrkResult {
  scenario: string;
  stack: StackId;
  /** Warm-up runs and the profiled run (--profile) are recorded but never enter a median. */
  phase: 'warmup' | 'round' | 'profile';
  /** 1-based round; 0 for the warm-up. */
  round: number;
  startedAt: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAvg: number[];
  /** The stack's process tree right after the run (end of its part of the round). */
  tree: TreeSample;
  /** CPU time the stack's processes used per request during the run, µs (null when unknown). */
  cpuUsPerRequest: number | null;
  /** The same by command name (node, php8.2, nginx, php-fpm8.2…): where the stack's CPU went. */
  cpuUsPerRequestByCommand: Record<string, number>;
  /** For an invalid run: the stack's recent output and error logs, to tell why. */
  stackLog: string | null;
}

/** The pre-check of one stack: two GETs, the second one judged. */
export interface StackCheck {
  status: number;
  bytes: number;
  sha256: string;
  /** X-Askr-Cache or X-Varnish of the second response, when present. */
  cacheHeader: string | null;
}

export interface StackEntry {
  id: StackId;
  label: string;
  path: string;
  available: boolean;
  error: { code: string; message: string } | null;
  commands: string[];
  configs: Record<string, string>;
  check: StackCheck | null;
}

/** Medians over the valid rounds of one stack. Latencies ms, memory MiB. */
export interface StackSummary {
  stack: StackId;
  rounds: number;
  validRounds: number;
  reqPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  rssMb: number | null;
  pssMb: number | null;
  processes: number | null;
  cpuUsPerRequest: number | null;
  /** Median CPU µs per request by command name. */
  cpuUsPerRequestByCommand: Record<string, number>;
  bytesPerResponse: number | null;
  errors: number;
}

/**
 * askr against one peer in one scenario. Each figure is the median, over the
 * rounds in which both runs were valid, of askr's run over the peer's run of
 * the same round.
 */
export interface PeerRatio {
  peer: StackId;
  /** askr's req/s / the peer's: above 1, askr serves more. */
  reqPerSec: number | null;
  /** askr's p99 / the peer's: at most 1, askr's tail is no worse. */
  p99: number | null;
  /** Requests per CPU-second of askr's processes / of the peer's: above 1, askr spends less CPU per request. */
  reqPerCpu: number | null;
  /** The req/s ratio of each round in which both runs were valid (the spread of reqPerSec). */
  perRound: number[];
  /** The p99 ratio of each such round (the spread of p99). */
  perRoundP99: number[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  description: string;
  stacks: StackEntry[];
  /** Servers started for the measured ones but not measured themselves (Varnish's backend). */
  helpers: { label: string; commands: string[]; configs: Record<string, string> }[];
  /** Whether every available stack answered with the same body (null when fewer than two answered). */
  sameBody: boolean | null;
  runs: RunRecord[];
  summary: StackSummary[];
  ratios: PeerRatio[];
  /** Set when the scenario could not run at all. */
  error: { code: string; message: string } | null;
  seconds: number;
}

/** A row of the fork-to-ready, fan-out, Zipf, cache-hit or askr-test part. */
export interface ExtraResult {
  id: string;
  title: string;
  status: 'ok' | 'failed';
  error: { code: string; message: string } | null;
  seconds: number;
  command: string;
  /** Parameters it ran with. */
  params: unknown;
  /** What the script returned, as it returned it. */
  data: unknown;
  /** Label → formatted figure, for the report. */
  rows: { label: string; value: string }[];
  /** Named figures the targets refer to (e.g. throughputRatio, warmP50Ms). */
  figures: Record<string, number | null>;
}

/** One figure held against a target from the issues. */
export interface Comparison {
  id: string;
  label: string;
  value: number | null;
  unit: '×' | 'ms';
  target: { op: '>=' | '<=' | '>'; value: number; source: string } | null;
  /** null when there is no target or no figure; false whenever a round of either stack was invalid. */
  met: boolean | null;
  /** Why the figure is not clean, e.g. "askr: 2/5 valid rounds". */
  note: string | null;
}

export interface BenchResults {
  schema: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** full: every scenario with the default method; smoke: --smoke; partial: --only or changed method. */
  mode: 'full' | 'smoke' | 'partial';
  argv: string[];
  /** recycleAfterRequests: both stacks replace a PHP process after this many requests (absent in runs before it was recorded). */
  method: { load: WrkLoad; warmupSeconds: number; rounds: number; workers: number; order: string; recycleAfterRequests?: number };
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  git: { commit: string; changedFiles: number };
  askr: { cli: string; how: string; warnings: string; serveFlags: string[] };
  laravel: { caches: boolean; env: Record<string, string>; command: string };
  /** The npm run bench command line that reproduces this run. */
  command: string;
  scenarios: ScenarioResult[];
  extras: ExtraResult[];
  comparisons: Comparison[];
}
