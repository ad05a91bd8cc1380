import { OperatorError } from '../errors.js';
import { metricValue } from './prom-text.js';
import type { PromSample } from './prom-text.js';

/** The sidecar gauges the scaler reads from one pod's `/metrics`. */
export interface AskrGauges {
  /** `askr_workers_alive`: forked workers. */
  alive: number;
  /** `askr_workers_busy`: workers serving a request. */
  busy: number;
  /** `askr_queue_depth`: requests waiting for a worker. */
  queue: number;
  /** `askr_workers_max`: the pod's current ceiling. */
  ceiling: number;
}

/**
 * Reads the scaler's gauges out of a parsed scrape. A scrape without them is
 * not an Askr sidecar (or a broken one) and counts as a failed scrape.
 */
export function askrGauges(samples: readonly PromSample[]): AskrGauges {
  const need = (name: string): number => {
    const v = metricValue(samples, name);
    if (v === undefined || !Number.isFinite(v)) throw new OperatorError('ASKR_ERR_ADMIN_API', `metrics lack ${name}`);
    return v;
  };
  return {
    alive: need('askr_workers_alive'),
    busy: need('askr_workers_busy'),
    queue: need('askr_queue_depth'),
    ceiling: need('askr_workers_max'),
  };
}
