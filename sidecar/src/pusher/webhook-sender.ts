import { hmacHex } from './pusher-auth.js';
import type { AppRegistry } from './pusher-app.js';
import type { PusherMetricsSink } from './pusher-metrics.js';
import { noMetrics } from './pusher-metrics.js';
import type { WebhookEvent, WebhookSink } from './webhook-event.js';

/** Posts one signed body; resolves to the HTTP status (throws on network errors). */
export type WebhookPost = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

export interface WebhookSenderOptions {
  readonly apps: AppRegistry;
  /** Window in which events are gathered into one POST, ms (0: next tick). */
  readonly batchMs: number;
  /** How long a failing POST is retried, ms. */
  readonly retryForMs: number;
  /** First retry delay, ms; doubles each time up to `maxDelayMs`. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Largest number of events in one POST. */
  readonly maxBatch?: number;
  readonly post?: WebhookPost;
  readonly metrics?: PusherMetricsSink;
  readonly now?: () => number;
  readonly log?: (message: string) => void;
}

/** POST with the global fetch, 10 s timeout. */
export const fetchPost: WebhookPost = async (url, body, headers) => {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
};

/** The next retry delay after `attempt` failures (1-based), ms. */
export function backoffDelay(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** (attempt - 1));
}

/**
 * Sends webhooks as Pusher does (WH-01..04): events gathered per app for a short
 * window into `{"time_ms", "events": […]}`, signed with `X-Pusher-Key` and
 * `X-Pusher-Signature` = HMAC-SHA256(secret, body), POSTed to every target that
 * wants them, and retried with exponential backoff on a non-2xx answer or a
 * network error until the retry window closes.
 */
export class WebhookSender implements WebhookSink {
  private readonly opts: Required<Omit<WebhookSenderOptions, 'apps'>>;
  private readonly apps: AppRegistry;
  private readonly pending = new Map<string, WebhookEvent[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(options: WebhookSenderOptions) {
    this.apps = options.apps;
    this.opts = {
      batchMs: options.batchMs,
      retryForMs: options.retryForMs,
      firstDelayMs: options.firstDelayMs ?? 1000,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      maxBatch: options.maxBatch ?? 100,
      post: options.post ?? fetchPost,
      metrics: options.metrics ?? noMetrics,
      now: options.now ?? Date.now,
      log: options.log ?? (() => undefined),
    };
  }

  /** Queues an event for an app; nothing happens when the app has no webhooks. */
  emit(appId: string, event: WebhookEvent): void {
    const app = this.apps.findById(appId);
    if (this.closed || !app || app.webhooks.length === 0) return;
    let list = this.pending.get(appId);
    if (!list) this.pending.set(appId, (list = []));
    list.push(event);
    if (list.length >= this.opts.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => {
      this.flush();
    }, this.opts.batchMs);
  }

  /** Sends everything queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [appId, events] of this.pending) {
      this.pending.delete(appId);
      const app = this.apps.findById(appId);
      if (!app) continue;
      for (const target of app.webhooks) {
        const wanted = target.eventTypes.length === 0 ? events : events.filter((e) => target.eventTypes.includes(e.name));
        for (let i = 0; i < wanted.length; i += this.opts.maxBatch) {
          const body = JSON.stringify({ time_ms: this.opts.now(), events: wanted.slice(i, i + this.opts.maxBatch) });
          const headers = { 'content-type': 'application/json', 'x-pusher-key': app.key, 'x-pusher-signature': hmacHex(app.secret, body) };
          this.attempt(target.url, body, headers, this.opts.now(), 1);
        }
      }
    }
  }

  private attempt(url: string, body: string, headers: Record<string, string>, firstAt: number, attempt: number): void {
    const run = (async () => {
      let ok = false;
      let why = '';
      try {
        const status = await this.opts.post(url, body, headers);
        ok = status >= 200 && status < 300;
        why = `HTTP ${status}`;
      } catch (err) {
        why = (err as Error).message;
      }
      if (ok) {
        this.opts.metrics.webhook('sent');
        return;
      }
      const delay = backoffDelay(attempt, this.opts.firstDelayMs, this.opts.maxDelayMs);
      if (this.closed || this.opts.now() + delay - firstAt > this.opts.retryForMs) {
        this.opts.metrics.webhook('dropped');
        this.opts.log(`webhook to ${url} dropped after ${attempt} attempt(s): ${why}`);
        return;
      }
      this.opts.metrics.webhook('retried');
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        this.attempt(url, body, headers, firstAt, attempt + 1);
      }, delay);
      t.unref();
      this.retryTimers.add(t);
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Sends what is queued, waits for POSTs in flight, and stops retrying. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}
