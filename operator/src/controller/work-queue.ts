import { errorMessage } from '../errors.js';
import type { Logger } from './logger.js';

/** Settings of a `WorkQueue`. */
export interface WorkQueueOptions {
  /** Called for each key; never twice at once for the same key. */
  process: (key: string) => Promise<void>;
  log: Logger;
  /** Keys processed in parallel (different keys only). Default 2. */
  concurrency?: number;
  /** First retry delay after a failure, milliseconds. Default 1 000. */
  baseDelayMs?: number;
  /** Cap on a key's retry delay, milliseconds. Default 300 000. */
  maxDelayMs?: number;
  /** Overall retry rate: tokens per second and bucket size. Default 10/s, burst 100. */
  qps?: number;
  burst?: number;
  /** Clock, milliseconds (tests). */
  now?: () => number;
}

/**
 * A rate-limited work queue of object keys, after client-go's: a key waiting
 * in the queue is held once however often it is added; a key being processed
 * is never handed to a second worker — adding it marks it dirty and it runs
 * again once the current pass ends. Failures back off per key (exponential,
 * `baseDelayMs` → `maxDelayMs`) and retries as a whole are held to a token
 * bucket so a broken dependency cannot make the operator hammer the API.
 */
export class WorkQueue {
  private readonly opts: Required<Omit<WorkQueueOptions, 'now'>> & { now: () => number };
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private tokens: number;
  private tokensAt: number;
  private running = false;
  private readonly active = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];

  constructor(opts: WorkQueueOptions) {
    this.opts = {
      process: opts.process,
      log: opts.log,
      concurrency: opts.concurrency ?? 2,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 300_000,
      qps: opts.qps ?? 10,
      burst: opts.burst ?? 100,
      now: opts.now ?? Date.now,
    };
    this.tokens = this.opts.burst;
    this.tokensAt = this.opts.now();
  }

  /** Starts handing keys to `process`. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking keys and cancels delayed adds; resolves when running passes end. */
  async stop(): Promise<void> {
    this.running = false;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.active]);
  }

  /** Queues a key now. */
  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Queues a key after `delayMs`; an earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.opts.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /**
   * Queues a key after its backoff: the longer of the per-key exponential
   * delay and the wait for a token. Returns the delay in milliseconds.
   */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const perKey = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(n, 30));
    const delay = Math.max(perKey, this.takeToken());
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure count (after a successful pass). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures counted for a key since its last success. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting (not counting delayed adds or keys being processed). */
  get length(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or processing (delayed adds may remain). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Milliseconds until a retry token is free, taking it. */
  private takeToken(): number {
    const now = this.opts.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.opts.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.opts.qps) * 1000);
  }

  private pump(): void {
    while (this.running && this.processing.size < this.opts.concurrency && this.queue.length > 0) {
      const key = this.queue.shift();
      if (key === undefined) break;
      this.queued.delete(key);
      this.processing.add(key);
      const pass = this.runOne(key);
      this.active.add(pass);
      void pass.finally(() => this.active.delete(pass));
    }
    if (this.queue.length === 0 && this.processing.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runOne(key: string): Promise<void> {
    try {
      await this.opts.process(key);
    } catch (err) {
      // process() handles its own errors; reaching here is a bug in a handler wrapper.
      this.opts.log.error('work-queue: process threw', { key, error: errorMessage(err) });
    } finally {
      this.processing.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
