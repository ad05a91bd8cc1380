import type { BypassReason, OriginResponse, ResponseHeaders } from './cache-policy.js';
import type { CacheEntry } from './cache-store.js';

/** Values of the X-Askr-Cache response header. */
export type XAskrCache = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** One request as the cache needs it (Node's `req.headers` fits `headers`). */
export interface CacheRequest {
  /** Method as received (GET, HEAD, POST…). */
  readonly method: string;
  /** Request-target as received: `/path?query`, or absolute-form. */
  readonly target: string;
  /** Lowercase header names: host, cookie, authorization and any Vary-named header. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Scheme the client used (after trusted-proxy resolution); default http. */
  readonly scheme?: 'http' | 'https';
  /** When the request times out, ms since the epoch: a follower never waits past it. */
  readonly deadline: number;
}

/** What the client gets, once PHP answered (or failed). */
export interface CacheOutcome {
  readonly status: number;
  /** Headers for the client: never `askr-cache`; `x-askr-cache` set when the cache is on. */
  readonly headers: ResponseHeaders;
  /** The body to send (PHP's, or the stale entry's on a stale-if-error fallback). */
  readonly body: Buffer | undefined;
  readonly xCache: XAskrCache | undefined;
  /** Why the response was not stored, when it was not. */
  readonly reason: BypassReason | undefined;
  /** True when PHP's 5xx was replaced by the stale entry: the front still records the 5xx. */
  readonly staleFallback: boolean;
}

/**
 * The front's side of one miss: run PHP (a GET, also for a HEAD request, whose
 * body the front then drops), then call exactly one of `finish` or `abandon`.
 */
export interface CacheLease {
  /** Method to run PHP with: always GET (HEAD is served from GET's entry). */
  readonly originMethod: 'GET';
  /**
   * PHP answered: decides storage, stores (followers are released once the
   * store is done) and returns what the client gets. Never throws for a bad
   * Askr-Cache header: that is logged, counted and answered BYPASS.
   */
  finish(origin: OriginResponse): CacheOutcome;
  /**
   * PHP gave no response (worker died, timeout, client gone). Releases the
   * followers; returns the stale entry as the answer when one is inside its
   * sie window (`staleFallback`), else undefined (the front answers 502/504).
   */
  abandon(): CacheOutcome | undefined;
  /** Settles when storing is done or given up (tests, graceful drain). */
  readonly settled: Promise<void>;
}

/** Serve `status`, `headers`, `body` (no body for HEAD). */
export interface HitDecision {
  readonly kind: 'hit';
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  /** Served after waiting for another request's result. */
  readonly coalesced: boolean;
  readonly entry: CacheEntry;
}

/** Serve the stale entry now; if `refresh` is set, run PHP in the background and finish it. */
export interface StaleDecision {
  readonly kind: 'stale';
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Buffer;
  readonly refresh: CacheLease | undefined;
  readonly entry: CacheEntry;
}

/** Run PHP, then `lease.finish(origin)` (or `lease.abandon()`). */
export interface MissDecision {
  readonly kind: 'miss';
  readonly lease: CacheLease;
  /** True when this request leads: others wait for it. */
  readonly leader: boolean;
}

/** Run PHP, then `finish(origin)` to strip Askr-Cache and set X-Askr-Cache. */
export interface BypassDecision {
  readonly kind: 'bypass';
  readonly reason: BypassReason;
  finish(origin: OriginResponse): CacheOutcome;
}

export type CacheDecision = HitDecision | StaleDecision | MissDecision | BypassDecision;
