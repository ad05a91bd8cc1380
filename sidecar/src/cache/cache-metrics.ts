import { Counter, Gauge, type Registry } from 'prom-client';
import { LabelTally } from '../metrics/tally.js';
import type { StoreStats } from './cache-store.js';

/** The X-Askr-Cache results, as the `result` label of askr_cache_requests_total. */
export type CacheResult = 'hit' | 'miss' | 'stale' | 'bypass';

/**
 * The cache's Prometheus metrics. Request counters are per process (summed
 * when processes are aggregated); store gauges read the shared store, so every
 * process reports the same pod-wide value (aggregated with `max`).
 */
export class CacheMetrics {
  private readonly requests: LabelTally<CacheResult>;
  private readonly coalescedTotal: Counter;
  private readonly badHeaders: Counter;

  constructor(registry: Registry, stats: () => StoreStats) {
    this.requests = new LabelTally<CacheResult>(registry, {
      name: 'askr_cache_requests_total',
      help: 'Requests that went through the response cache, by X-Askr-Cache result.',
      label: 'result',
      initial: ['hit', 'miss', 'stale', 'bypass'],
    });
    this.coalescedTotal = new Counter({
      name: 'askr_cache_coalesced_total',
      help: 'Requests that waited for another request computing the same key and were served its result.',
      registers: [registry],
    });
    this.badHeaders = new Counter({
      name: 'askr_cache_bad_header_total',
      help: 'Responses whose Askr-Cache header did not parse (not cached; see the log).',
      registers: [registry],
    });
    new Gauge({
      name: 'askr_cache_evictions_total',
      help: 'Entries evicted to make room, pod-wide since the store was created (a counter read from shared memory).',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(stats().evictions);
      },
    });
    new Gauge({
      name: 'askr_cache_bytes_used',
      help: 'Bytes held by cache entries (whole 1 KiB blocks), pod-wide.',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(stats().bytesUsed);
      },
    });
    new Gauge({
      name: 'askr_cache_capacity_bytes',
      help: 'Bytes the cache can hold (--response-cache minus its metadata).',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(stats().capacityBytes);
      },
    });
    new Gauge({
      name: 'askr_cache_entries',
      help: 'Entries in the cache (Vary markers included), pod-wide.',
      registers: [registry],
      aggregator: 'max',
      collect() {
        this.set(stats().entries);
      },
    });
  }

  result(result: CacheResult): void {
    this.requests.inc(result);
  }

  coalesced(): void {
    this.coalescedTotal.inc();
  }

  badHeader(): void {
    this.badHeaders.inc();
  }
}
