// The targets the issues set, and the measured figure held against each. A
// ratio is askr / peer (above 1: askr serves more; a p99 ratio at most 1: askr's
// tail is no worse). A target with no figure (a stack that did not run) is
// neither met nor missed; a ratio whose stacks had invalid rounds (errors under
// load) is never met, whatever its valid rounds say.
import type { Comparison, ExtraResult, ScenarioResult } from './results.js';
import type { StackId } from './stack.js';

interface RatioTarget {
  kind: 'ratio';
  id: string;
  label: string;
  scenario: string;
  peer: StackId;
  measure: 'reqPerSec' | 'p99';
  op: '>=' | '<=';
  value: number;
  source: string;
}

interface FigureTarget {
  kind: 'figure';
  id: string;
  label: string;
  extra: string;
  figure: string;
  unit: '×' | 'ms';
  op: '>=' | '<=' | '>' | null;
  value: number;
  source: string;
}

const ISSUE_8 = 'issue 8';

/** Every figure the report holds against a target, in report order. */
export const TARGETS: readonly (RatioTarget | FigureTarget)[] = [
  { kind: 'ratio', id: 'classic-hello.rps', label: 'Classic hello.php, req/s vs nginx + php-fpm', scenario: 'classic-hello', peer: 'fpm', measure: 'reqPerSec', op: '>=', value: 1, source: ISSUE_8 },
  { kind: 'ratio', id: 'laravel-hello.rps', label: 'Laravel /hello, req/s vs nginx + php-fpm', scenario: 'laravel-hello', peer: 'fpm', measure: 'reqPerSec', op: '>=', value: 6, source: ISSUE_8 },
  { kind: 'ratio', id: 'laravel-posts.rps', label: 'Laravel /posts, req/s vs nginx + php-fpm', scenario: 'laravel-posts', peer: 'fpm', measure: 'reqPerSec', op: '>=', value: 4, source: ISSUE_8 },
  { kind: 'ratio', id: 'classic-hello.p99', label: 'Classic hello.php, p99 vs nginx + php-fpm', scenario: 'classic-hello', peer: 'fpm', measure: 'p99', op: '<=', value: 1, source: ISSUE_8 },
  { kind: 'ratio', id: 'laravel-hello.p99', label: 'Laravel /hello, p99 vs nginx + php-fpm', scenario: 'laravel-hello', peer: 'fpm', measure: 'p99', op: '<=', value: 1, source: ISSUE_8 },
  { kind: 'ratio', id: 'laravel-posts.p99', label: 'Laravel /posts, p99 vs nginx + php-fpm', scenario: 'laravel-posts', peer: 'fpm', measure: 'p99', op: '<=', value: 1, source: ISSUE_8 },
  { kind: 'ratio', id: 'cache-hit.varnish', label: 'Cached /posts hit, req/s vs Varnish hit', scenario: 'posts-cache-hit', peer: 'varnish', measure: 'reqPerSec', op: '>=', value: 1, source: 'issue 3' },
  { kind: 'ratio', id: 'cache-hit.static', label: 'Cached /posts hit, req/s vs nginx static file', scenario: 'posts-cache-hit', peer: 'nginx-static', measure: 'reqPerSec', op: '>=', value: 0.8, source: 'issue 3' },
  { kind: 'figure', id: 'fanout.throughput', label: 'Fan-out throughput vs bare ws', extra: 'fanout', figure: 'throughputRatio', unit: '×', op: '>=', value: 0.8, source: 'issue 4' },
  { kind: 'figure', id: 'fanout.p99', label: 'Fan-out delivery p99 (askr, 20 msg/s)', extra: 'fanout', figure: 'askrP99Ms', unit: 'ms', op: '<=', value: 5, source: 'issue 4' },
  { kind: 'figure', id: 'zipf.s3fifo', label: 'Zipf hit ratio, S3-FIFO vs plain FIFO', extra: 'cache-zipf', figure: 's3fifoOverFifo', unit: '×', op: '>', value: 1, source: 'issue 3' },
  { kind: 'figure', id: 'fork.p50', label: 'Warm fork-to-ready p50 (Laravel)', extra: 'fork-to-ready', figure: 'warmP50Ms', unit: 'ms', op: '<=', value: 3, source: 'issue 2' },
  { kind: 'figure', id: 'fork.cold', label: 'Cold PHP boot / warm fork-to-ready (p50)', extra: 'fork-to-ready', figure: 'coldOverWarm', unit: '×', op: null, value: 0, source: 'issue 2' },
  { kind: 'figure', id: 'askr-test.per-file', label: 'askr test speed-up vs one phpunit process per file', extra: 'askr-test', figure: 'perFileOverAskr', unit: '×', op: null, value: 0, source: 'issue 5' },
  { kind: 'figure', id: 'askr-test.one', label: 'askr test speed-up vs one phpunit process (no isolation)', extra: 'askr-test', figure: 'oneProcessOverAskr', unit: '×', op: null, value: 0, source: 'issue 5' },
];

function holds(value: number, op: '>=' | '<=' | '>', target: number): boolean {
  if (op === '>=') return value >= target;
  if (op === '<=') return value <= target;
  return value > target;
}

/** Every target with its measured figure; targets whose scenario or row was not run are left out. */
export function compareToTargets(scenarios: readonly ScenarioResult[], extras: readonly ExtraResult[]): Comparison[] {
  const out: Comparison[] = [];
  for (const t of TARGETS) {
    let value: number | null;
    let unit: '×' | 'ms';
    let op: '>=' | '<=' | '>' | null;
    let note: string | null = null;
    if (t.kind === 'ratio') {
      const s = scenarios.find((x) => x.id === t.scenario);
      if (!s) continue;
      value = s.ratios.find((r) => r.peer === t.peer)?.[t.measure] ?? null;
      const unclean = s.summary.filter((x) => (x.stack === 'askr' || x.stack === t.peer) && x.validRounds < x.rounds);
      if (unclean.length > 0) note = unclean.map((x) => `${x.stack}: ${x.validRounds}/${x.rounds} valid rounds`).join(', ');
      unit = '×';
      op = t.op;
    } else {
      const e = extras.find((x) => x.id === t.extra);
      if (!e) continue;
      value = e.figures[t.figure] ?? null;
      unit = t.unit;
      op = t.op;
    }
    out.push({
      id: t.id,
      label: t.label,
      value,
      unit,
      target: op === null ? null : { op, value: t.value, source: t.source },
      met: op === null || value === null ? null : note === null && holds(value, op, t.value),
      note,
    });
  }
  return out;
}
