import type { CacheLease, CacheOutcome, XAskrCache } from './cache-decision.js';
import type { RequestKey } from './cache-key.js';
import { variantKey } from './cache-key.js';
import type { CacheMetrics } from './cache-metrics.js';
import { clientHeaders, responseVerdict, type BypassReason, type HeaderMap, type OriginResponse, type ResponseHeaders, type ResponseRules } from './cache-policy.js';
import type { CacheEntry, CacheStore, PutResult } from './cache-store.js';
import type { LeaderFlight } from './coalescer.js';

/** What a lease needs from the cache that issued it. */
export interface LeaseHost {
  readonly store: CacheStore;
  readonly rules: ResponseRules;
  readonly metrics: CacheMetrics | undefined;
  now(): number;
  log(event: Record<string, unknown>): void;
}

export interface LeaseInit {
  readonly key: RequestKey;
  /** The request's headers (for Vary). */
  readonly headers: HeaderMap;
  /** Forget sequence read before PHP runs. */
  readonly bornSeq: number;
  /** Set when this request leads its key. */
  readonly flight: LeaderFlight | undefined;
  /** The entry to serve if PHP fails inside its sie window. */
  readonly fallback: CacheEntry | undefined;
  /** A background refresh: nobody waits for its answer, and it is not a counted request. */
  readonly background: boolean;
}

/** Delays between attempts when the writer lock is held by a live process, ms. */
const BUSY_RETRIES_MS = [1, 2, 5, 10, 20, 50, 100, 200, 400];

/** Headers of a served entry: its stored headers plus Age, Content-Length and X-Askr-Cache. */
export function servedHeaders(entry: CacheEntry, now: number, xCache: XAskrCache): ResponseHeaders {
  const h: ResponseHeaders = { ...(entry.headers as ResponseHeaders) };
  h.age = String(Math.max(0, Math.floor((now - entry.storedAt) / 1000)));
  h['content-length'] = String(entry.body.length);
  h['x-askr-cache'] = xCache;
  return h;
}

/** One miss (or background refresh) from PHP's answer to the store. */
export class MissLease implements CacheLease {
  readonly originMethod = 'GET';
  readonly settled: Promise<void>;
  private readonly host: LeaseHost;
  private readonly init: LeaseInit;
  private done = false;
  private resolveSettled!: () => void;

  constructor(host: LeaseHost, init: LeaseInit) {
    this.host = host;
    this.init = init;
    this.settled = new Promise((r) => (this.resolveSettled = r));
  }

  finish(origin: OriginResponse): CacheOutcome {
    if (this.done) throw new Error('cache lease finished twice');
    this.done = true;
    const { host, init } = this;
    const now = host.now();
    const verdict = responseVerdict(origin, host.rules);
    if (!verdict.store && verdict.reason === 'bad-header') {
      host.metrics?.badHeader();
      host.log({ event: 'cache.bad-header', url: init.key.key, error: verdict.badHeader });
    }
    if (origin.status >= 500) {
      const stale = this.fallback(now);
      if (stale) return stale;
    }
    if (!verdict.store) return this.release('not-stored', this.outcome(origin, 'BYPASS', verdict.reason));
    const d = verdict.directive;
    const freshUntil = now + d.ttl * 1000;
    const base = {
      status: origin.status,
      storedAt: now,
      freshUntil,
      staleUntil: freshUntil + d.swr * 1000,
      errorUntil: freshUntil + d.sie * 1000,
      bornSeq: init.bornSeq,
    };
    const implicit = [init.key.urlTag, init.key.pathTag];
    const entries: CacheEntry[] = [];
    const body = origin.body ?? Buffer.alloc(0);
    if (verdict.vary.length === 0) {
      entries.push({ ...base, key: init.key.key, kind: 'response', headers: verdict.headers, body, tags: [...d.tags, ...implicit] });
    } else {
      const key = variantKey(init.key.key, verdict.vary, init.headers);
      entries.push({ ...base, key, kind: 'response', headers: verdict.headers, body, tags: [...d.tags, ...implicit] });
      // The marker tells a lookup which request headers pick the variant.
      entries.push({ ...base, key: init.key.key, kind: 'vary', headers: { vary: verdict.vary.join(',') }, body: Buffer.alloc(0), tags: implicit });
    }
    const first = this.put(entries, now);
    if (first === 'too-large') return this.release('not-stored', this.outcome(origin, 'BYPASS', 'size'));
    const outcome = this.outcome(origin, 'MISS', first === 'forgotten' ? 'forgotten-while-rendering' : undefined);
    if (first === 'busy') void this.retry(entries, outcome);
    else this.release(first === 'stored' ? 'stored' : 'not-stored', outcome);
    return outcome;
  }

  abandon(): CacheOutcome | undefined {
    if (this.done) return undefined;
    this.done = true;
    const stale = this.fallback(this.host.now());
    if (stale) return stale;
    if (!this.init.background) this.host.metrics?.result('miss');
    this.init.flight?.finish('abandoned');
    this.resolveSettled();
    return undefined;
  }

  /** Stores every entry in order; the first failure stops (a marker without its variant is useless). */
  private put(entries: readonly CacheEntry[], now: number): PutResult {
    for (const e of entries) {
      const r = this.host.store.put(e, now);
      if (r !== 'stored') return r;
    }
    return 'stored';
  }

  private async retry(entries: readonly CacheEntry[], outcome: CacheOutcome): Promise<void> {
    for (const ms of BUSY_RETRIES_MS) {
      await new Promise((r) => setTimeout(r, ms));
      const r = this.put(entries, this.host.now());
      if (r !== 'busy') {
        this.release(r === 'stored' ? 'stored' : 'not-stored', outcome);
        return;
      }
    }
    this.host.log({ event: 'cache.store-busy', url: this.init.key.key });
    this.release('not-stored', outcome);
  }

  /** The stale entry as the answer to a failed PHP run, if it is still inside its sie window. */
  private fallback(now: number): CacheOutcome | undefined {
    const stale = this.init.fallback;
    // Looked up again: a tag forgotten since the request started voids it.
    const current = stale ? this.host.store.get(stale.key, now) : undefined;
    if (!current || current.kind !== 'response' || now >= current.errorUntil) return undefined;
    const outcome: CacheOutcome = {
      status: current.status,
      headers: servedHeaders(current, now, 'STALE'),
      body: current.body,
      xCache: 'STALE',
      reason: undefined,
      staleFallback: true,
    };
    if (!this.init.background) this.host.metrics?.result('stale');
    this.init.flight?.finish('not-stored');
    this.resolveSettled();
    return outcome;
  }

  private outcome(origin: OriginResponse, xCache: XAskrCache, reason: BypassReason | undefined): CacheOutcome {
    const headers = clientHeaders(origin.headers);
    headers['x-askr-cache'] = xCache;
    if (!this.init.background) this.host.metrics?.result(xCache === 'MISS' ? 'miss' : 'bypass');
    return { status: origin.status, headers, body: origin.body, xCache, reason, staleFallback: false };
  }

  private release(result: 'stored' | 'not-stored', outcome: CacheOutcome): CacheOutcome {
    this.init.flight?.finish(result);
    this.resolveSettled();
    return outcome;
  }
}
