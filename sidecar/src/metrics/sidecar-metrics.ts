import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { FastHistogram, LabelTally } from './tally.js';
/** Where the pool gauges come from at scrape time (the shared-memory board). */
export interface GaugeSnapshot {
  queued: number;
  alive: number;
  busy: number;
  idle: number;
  starting: number;
  desired: number;
  min: number;
  max: number;
}

/**
 * The sidecar's own metrics (prefix askr_). The pool gauges are read at scrape
 * time from the pool, so they are never stale; with several front processes the
 * supervisor sums them across processes.
 */
export class SidecarMetrics {
  private readonly requests: LabelTally<number>;
  private readonly duration: FastHistogram;
  readonly forkDuration: Histogram;
  readonly deferred: Counter;
  readonly deferredErrors: Counter;
  readonly deferredDuration: Histogram;
  readonly workerDeaths: Counter;
  readonly recycles: Counter<'reason'>;
  readonly dispatchAhead: Counter<'outcome'>;
  readonly autoscaleEvents: Counter<'direction'>;
  readonly recordedErrors: Counter;
  readonly failedCalls: Counter<'op'>;

  /** One response: its status and duration (seconds). */
  countResponse(status: number, seconds: number): void {
    this.requests.inc(status);
    this.duration.observe(seconds);
  }

  constructor(registry: Registry, pool: () => GaugeSnapshot | null, options: { defaultMetrics: boolean }) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
    const gauge = (name: string, help: string, pick: (s: GaugeSnapshot) => number): void => {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          const s = pool();
          this.set(s ? pick(s) : 0);
        },
      });
    };
    gauge('askr_queue_depth', 'Requests waiting for a PHP worker.', (s) => s.queued);
    gauge('askr_workers_alive', 'PHP workers connected and serving.', (s) => s.alive);
    gauge('askr_workers_busy', 'PHP workers handling a request or running deferred work.', (s) => s.busy);
    gauge('askr_workers_idle', 'PHP workers waiting for a request.', (s) => s.idle);
    gauge('askr_workers_starting', 'Forks asked for, not yet connected.', (s) => s.starting);
    gauge('askr_workers_desired', 'Pool size the autoscaler wants.', (s) => s.desired);
    gauge('askr_workers_min', 'Floor of the pool.', (s) => s.min);
    gauge('askr_workers_max', 'Ceiling of the pool (the operator may change it).', (s) => s.max);

    this.requests = new LabelTally<number>(registry, { name: 'askr_requests_total', help: 'HTTP responses by status code.', label: 'code' });
    this.duration = new FastHistogram(registry, 'askr_request_duration_seconds', 'Time from request arrival to the end of the response.',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    this.forkDuration = new Histogram({
      name: 'askr_fork_duration_seconds',
      help: 'From asking the template for a worker to the worker being ready.',
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    });
    this.deferred = new Counter({ name: 'askr_deferred_total', help: 'askr_defer() callables run after their response.', registers: [registry] });
    this.deferredErrors = new Counter({ name: 'askr_deferred_errors_total', help: 'Deferred callables that threw.', registers: [registry] });
    this.deferredDuration = new Histogram({
      name: 'askr_deferred_duration_seconds',
      help: 'Time a worker spent on one request\'s deferred work.',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    this.workerDeaths = new Counter({ name: 'askr_worker_deaths_total', help: 'Workers that died unexpectedly (crash, kill, timeout).', registers: [registry] });
    this.recycles = new Counter({ name: 'askr_worker_recycles_total', help: 'Workers replaced after --max-requests or --max-memory.', labelNames: ['reason'], registers: [registry] });
    this.dispatchAhead = new Counter({ name: 'askr_dispatch_ahead_total', help: 'Requests sent ahead to a busy worker (sent), and those re-dispatched because it exited first (returned).', labelNames: ['outcome'], registers: [registry] });
    this.autoscaleEvents = new Counter({ name: 'askr_autoscale_events_total', help: 'Autoscaler decisions that changed the pool.', labelNames: ['direction'], registers: [registry] });
    this.recordedErrors = new Counter({ name: 'askr_recorded_errors_total', help: '5xx responses recorded for replay.', registers: [registry] });
    this.failedCalls = new Counter({ name: 'askr_worker_call_failures_total', help: 'askr_broadcast() and other calls from PHP that failed without PHP waiting for the answer.', labelNames: ['op'], registers: [registry] });
  }
}
