import { Counter, type Metric, type Registry } from 'prom-client';

// Metrics touched on every request. prom-client hashes the label set and
// validates it on every inc() and observe(): on a cache hit that was the
// largest piece of JavaScript left. These count in plain numbers and arrays and
// hand their totals to prom-client only when /metrics is scraped.

/** A counter with one label, counted in a Map; prom-client's Counter is brought up to date at scrape time. */
export class LabelTally<K extends string | number> {
  private readonly pending = new Map<K, number>();

  constructor(registry: Registry, config: { name: string; help: string; label: string; initial?: readonly K[] }) {
    const pending = this.pending;
    const label = config.label;
    const counter = new Counter({
      name: config.name,
      help: config.help,
      labelNames: [label],
      registers: [registry],
      collect() {
        for (const [value, n] of pending) {
          if (n > 0) this.inc({ [label]: String(value) }, n);
          pending.set(value, 0);
        }
      },
    });
    for (const value of config.initial ?? []) counter.inc({ [label]: String(value) }, 0);
  }

  inc(value: K): void {
    this.pending.set(value, (this.pending.get(value) ?? 0) + 1);
  }
}

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  /** prom-client's Histogram reports exemplars on buckets; none are kept here. */
  exemplar?: null;
}

/**
 * A histogram without labels whose observe() is a bucket search and three
 * additions. It registers itself as a prom-client metric: get() returns the
 * same shape as prom-client's Histogram, which the registry renders and the
 * cluster aggregator sums across front processes.
 */
export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
    registry.registerMetric(this as unknown as Metric);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        (this.counts[i] as number)++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }

  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HistogramValue[] }> {
    const values: HistogramValue[] = [];
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.counts[i] ?? 0;
      values.push({ labels: { le }, value: cumulative, metricName: bucket, exemplar: null });
    });
    values.push(
      { labels: { le: '+Inf' }, value: this.count, metricName: bucket, exemplar: null },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
