/**
 * A token bucket: `rate` tokens per second, holding at most `rate` (so a burst
 * of one second's worth is allowed). Time is passed in, in ms.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly rate: number;

  constructor(rate: number, now: number) {
    this.rate = rate;
    this.tokens = rate;
    this.last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
