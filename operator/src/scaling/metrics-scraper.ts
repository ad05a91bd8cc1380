import type { AdminClient } from '../admin/admin-client.js';
import type { PodRef } from '../admin/admin-transport.js';
import { errorMessage } from '../errors.js';
import { askrGauges } from './askr-gauges.js';
import type { PodSample } from './decide-scale.js';
import { parsePromText } from './prom-text.js';

/** A pod as the scraper sees it. */
export interface ScrapeTarget extends PodRef {
  ready: boolean;
}

/**
 * Scrapes `/metrics` of every ready pod in parallel (bounded) through an
 * `AdminClient` (whose transport decides how pods are reached). A pod that
 * does not answer, answers with an error or without the Askr gauges becomes a
 * sample with `ok: false`; not-ready pods are not scraped at all.
 */
export class MetricsScraper {
  private readonly admin: AdminClient;
  private readonly concurrency: number;
  private readonly onError: (pod: ScrapeTarget, message: string) => void;

  constructor(admin: AdminClient, opts: { concurrency?: number; onError?: (pod: ScrapeTarget, message: string) => void } = {}) {
    this.admin = admin;
    this.concurrency = opts.concurrency ?? 8;
    this.onError = opts.onError ?? (() => undefined);
  }

  /** One sample per target, in the targets' order. */
  async scrape(targets: readonly ScrapeTarget[]): Promise<PodSample[]> {
    const out: PodSample[] = new Array<PodSample>(targets.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const i = next++;
        const t = targets[i];
        if (t) out[i] = await this.one(t);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, targets.length) }, worker));
    return out;
  }

  private async one(t: ScrapeTarget): Promise<PodSample> {
    const failed: PodSample = { pod: t.name, ready: t.ready, ok: false, alive: 0, busy: 0, queue: 0, ceiling: 0 };
    if (!t.ready) return failed;
    try {
      const gauges = askrGauges(parsePromText(await this.admin.metrics(t)));
      return { pod: t.name, ready: true, ok: true, ...gauges };
    } catch (err) {
      this.onError(t, errorMessage(err));
      return failed;
    }
  }
}
