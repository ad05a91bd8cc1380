/**
 * Exponential backoff with full jitter: each `next()` returns a delay drawn
 * uniformly from [base/2, base], and the base doubles up to `maxMs`. Jitter
 * keeps many watchers or retries from hitting the API server in lockstep.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;

  /**
   * @param initialMs first delay, milliseconds
   * @param maxMs cap on the delay, milliseconds
   * @param random source of [0, 1) numbers (tests pass a fixed one)
   */
  constructor(initialMs: number, maxMs: number, random: () => number = Math.random) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** The next delay in milliseconds. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(base / 2 + (this.random() * base) / 2);
  }

  /** Back to the first delay (after a success). */
  reset(): void {
    this.attempt = 0;
  }
}
