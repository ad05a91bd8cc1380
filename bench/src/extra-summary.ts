// What the report shows of each extra row, read from what its script returned:
// a few labelled figures, and the named numbers the targets are checked on.
// The scripts' results arrive as JSON, so every field is checked, not assumed.
import { BenchError } from './errors.js';
import { ratio } from './stats.js';

type Rows = { label: string; value: string }[];
type Figures = Record<string, number | null>;

function obj(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new BenchError('ASKR_ERR_BENCH_EXTRA', `${what}: expected an object`);
  return x as Record<string, unknown>;
}

function num(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new BenchError('ASKR_ERR_BENCH_EXTRA', `${what}: expected a number, got ${JSON.stringify(x)}`);
  return x;
}

function list(x: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(x)) throw new BenchError('ASKR_ERR_BENCH_EXTRA', `${what}: expected a list`);
  return x.map((e, i) => obj(e, `${what}[${i}]`));
}

const int = (x: number): string => Math.round(x).toLocaleString('en');
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const times = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

function forkToReady(d: Record<string, unknown>): { rows: Rows; figures: Figures } {
  const warmP50 = num(d.warmP50, 'warmP50');
  const coldP50 = num(d.coldP50, 'coldP50');
  const forks = Array.isArray(d.warmMs) ? d.warmMs.length : 0;
  const boots = Array.isArray(d.coldMs) ? d.coldMs.length : 0;
  return {
    rows: [
      { label: `warm fork-to-ready, SPAWN → HELLO (${forks} forks)`, value: `p50 ${ms(warmP50)}, p95 ${ms(num(d.warmP95, 'warmP95'))}` },
      { label: `cold boot, fresh php process (${boots} boots)`, value: `p50 ${ms(coldP50)}, p95 ${ms(num(d.coldP95, 'coldP95'))}` },
      { label: 'cold / warm (p50)', value: times(ratio(coldP50, warmP50)) },
      { label: 'template boot (first, in the template)', value: ms(num(d.templateBootMs, 'templateBootMs')) },
    ],
    figures: { warmP50Ms: warmP50, warmP95Ms: num(d.warmP95, 'warmP95'), coldP50Ms: coldP50, coldOverWarm: ratio(coldP50, warmP50) },
  };
}

function fanout(d: Record<string, unknown>): { rows: Rows; figures: Figures } {
  const rows: Rows = [];
  for (const key of ['bare', 'askr']) {
    const r = obj(d[key], key);
    rows.push({ label: `${String(r.server)}, ${int(num(r.subscribers, 'subscribers'))} subscribers`, value: `${int(num(r.deliveriesPerSecond, 'deliveriesPerSecond'))} deliveries/s, p50 ${ms(num(r.p50, 'p50'))}, p99 ${ms(num(r.p99, 'p99'))}` });
  }
  const throughputRatio = num(d.throughputRatio, 'throughputRatio');
  rows.push({ label: 'askr / bare ws, throughput', value: times(throughputRatio) });
  return { rows, figures: { throughputRatio, askrP99Ms: num(obj(d.askr, 'askr').p99, 'askr.p99') } };
}

function cacheZipf(d: unknown): { rows: Rows; figures: Figures } {
  const policies = list(d, 'policies');
  const rows = policies.map((p) => ({ label: String(p.policy), value: `hit ratio ${pct(num(p.hitRatio, 'hitRatio'))}, byte hit ratio ${pct(num(p.byteHitRatio, 'byteHitRatio'))}` }));
  const hit = (prefix: string): number | null => {
    const p = policies.find((x) => String(x.policy).startsWith(prefix));
    return p ? num(p.hitRatio, 'hitRatio') : null;
  };
  const s3OverFifo = ratio(hit('s3fifo'), hit('fifo'));
  rows.push({ label: 'S3-FIFO / FIFO, hit ratio', value: times(s3OverFifo) });
  return { rows, figures: { s3fifoOverFifo: s3OverFifo, s3fifoOverLru: ratio(hit('s3fifo'), hit('lru')) } };
}

function cacheHit(d: unknown): { rows: Rows; figures: Figures } {
  const variants = list(d, 'variants');
  const rows = variants.map((v) => ({ label: String(v.variant), value: `${int(num(v.hitsPerSecond, 'hitsPerSecond'))} hits/s, ${num(v.microsPerHit, 'microsPerHit').toFixed(2)} µs/hit` }));
  return { rows, figures: { memoHitsPerSecond: variants[0] ? num(variants[0].hitsPerSecond, 'hitsPerSecond') : null } };
}

function askrTest(d: Record<string, unknown>): { rows: Rows; figures: Figures } {
  const modes = list(d.modes, 'modes');
  const rows: Rows = [{ label: 'suite', value: `${int(num(d.files, 'files'))} files, ${int(num(d.tests, 'tests'))} tests, ${int(num(d.rounds, 'rounds'))} round(s)` }];
  for (const m of modes) rows.push({ label: String(m.mode), value: `median ${num(m.median, 'median').toFixed(2)} s` });
  const ratios = obj(d.ratios, 'ratios');
  const figures: Figures = {};
  for (const [name, r] of Object.entries(ratios)) {
    rows.push({ label: name, value: times(num(r, name)) });
    if (name.startsWith('phpunit per file, 1 at a time')) figures.perFileOverAskr = num(r, name);
    if (name.startsWith('phpunit, one process')) figures.oneProcessOverAskr = num(r, name);
  }
  return { rows, figures };
}

/** Rows and figures of one extra, from the data its script returned. */
export function extraSummary(id: string, data: unknown): { rows: Rows; figures: Figures } {
  switch (id) {
    case 'fork-to-ready': return forkToReady(obj(data, id));
    case 'fanout': return fanout(obj(data, id));
    case 'cache-zipf': return cacheZipf(data);
    case 'cache-hit': return cacheHit(data);
    case 'askr-test': return askrTest(obj(data, id));
    default: throw new BenchError('ASKR_ERR_BENCH_EXTRA', `unknown extra ${id}`);
  }
}
