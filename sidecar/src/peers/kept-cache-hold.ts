import type { CacheStore } from '../cache/cache-store.js';
import { StartupHold } from './startup-hold.js';

/**
 * The shell around StartupHold: withholds the cache a restarted sidecar kept
 * (the store's O(1) `hold()`), lifts it once the peers caught this pod up, or
 * drops the kept entries (`forgetAll()`) when that did not happen in time.
 */
export class KeptCacheHold {
  private readonly decision: StartupHold;
  private readonly timer: NodeJS.Timeout;
  private active = true;

  /**
   * @param expectedLogs forget-log ids of the peers this pod was following when it stopped.
   * @param timeoutMs how long the kept entries may be withheld before they are dropped.
   */
  constructor(
    private readonly cache: CacheStore,
    expectedLogs: Iterable<string>,
    timeoutMs: number,
    private readonly log: { info(m: string): void; warn(m: string): void },
  ) {
    cache.hold();
    this.decision = new StartupHold(expectedLogs);
    this.timer = setTimeout(() => { this.end(false); }, timeoutMs);
    this.timer.unref();
  }

  /** Whether the kept entries are still withheld. */
  get holding(): boolean {
    return this.active;
  }

  /** Discovery lists this many peers (not counting this pod). */
  setTargets(count: number): void {
    this.decision.setTargets(count);
    if (this.decision.done) this.end(true);
  }

  /** A peer finished catching this pod up. */
  sourceSynced(source: string, log: string | null): void {
    this.decision.sourceSynced(source, log);
    if (this.decision.done) this.end(true);
  }

  /** Shutdown: stop waiting (the hold stays in shared memory until the next start decides). */
  close(): void {
    clearTimeout(this.timer);
    this.active = false;
  }

  private end(caughtUp: boolean): void {
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    if (caughtUp) {
      this.log.info('peers: every peer caught this pod up; serving the kept cache');
    } else {
      this.cache.forgetAll();
      this.log.warn(`peers: the peers did not all catch this pod up in time (still missing ${this.decision.missing().length}); the kept cache was dropped`);
    }
    this.cache.release();
  }
}
