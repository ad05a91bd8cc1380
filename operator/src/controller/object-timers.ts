import { errorMessage } from '../errors.js';
import type { Logger } from './logger.js';

/** Settings of `ObjectTimers`. */
export interface ObjectTimersOptions<H> {
  /** Runs one timer handler for one object key (the caller serialises per key). */
  run: (key: string, handler: H) => Promise<void>;
  log: Logger;
}

interface TimerSpec<H> {
  handler: H;
  intervalMs: number;
  initialDelayMs: number;
}

/**
 * Per-object timers (kopf's `@kopf.timer`): every registered handler runs for
 * every tracked key, first after `initialDelayMs`, then `intervalMs` after the
 * previous run *ended*, so a slow run never overlaps the next one.
 */
export class ObjectTimers<H> {
  private readonly opts: ObjectTimersOptions<H>;
  private readonly specs: TimerSpec<H>[] = [];
  private readonly keys = new Map<string, NodeJS.Timeout[]>();
  private running = false;
  private readonly active = new Set<Promise<void>>();

  constructor(opts: ObjectTimersOptions<H>) {
    this.opts = opts;
  }

  /** Adds a timer handler (before `start`). */
  register(handler: H, intervalMs: number, initialDelayMs: number): void {
    if (!(intervalMs > 0)) throw new RangeError('timer intervalMs must be > 0');
    this.specs.push({ handler, intervalMs, initialDelayMs });
  }

  /** Starts timers for a key if it has none yet. */
  track(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.set(key, []);
    if (this.running) this.arm(key);
  }

  /** Cancels a key's timers (the object is gone). */
  forget(key: string): void {
    for (const t of this.keys.get(key) ?? []) clearTimeout(t);
    this.keys.delete(key);
  }

  /** Arms the timers of every tracked key. */
  start(): void {
    this.running = true;
    for (const key of this.keys.keys()) this.arm(key);
  }

  /** Cancels every timer; resolves when runs already under way have ended. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timers of this.keys.values()) for (const t of timers) clearTimeout(t);
    for (const key of this.keys.keys()) this.keys.set(key, []);
    await Promise.all([...this.active]);
  }

  private arm(key: string): void {
    const timers = this.keys.get(key);
    if (!timers) return;
    this.specs.forEach((spec, i) => { timers[i] = this.schedule(key, spec, i, spec.initialDelayMs); });
  }

  private schedule(key: string, spec: TimerSpec<H>, i: number, delayMs: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      const run = this.opts.run(key, spec.handler)
        .catch((err: unknown) => { this.opts.log.warn('timer run failed', { key, error: errorMessage(err) }); })
        .finally(() => {
          this.active.delete(run);
          const timers = this.keys.get(key);
          if (this.running && timers) timers[i] = this.schedule(key, spec, i, spec.intervalMs);
        });
      this.active.add(run);
    }, delayMs);
    t.unref();
    return t;
  }
}
