import type { FrontBus } from '../ipc/front-bus.js';
import type { BypassDecision, CacheDecision, CacheOutcome, CacheRequest, MissDecision } from './cache-decision.js';
import { CacheAdmin } from './cache-admin.js';
import { nameMatcher, parseVary, requestKey, variantKey, type RequestKey } from './cache-key.js';
import { MissLease, servedHeaders, type LeaseHost } from './cache-lease.js';
import type { CacheMetrics } from './cache-metrics.js';
import { clientHeaders, requestBypass, type BypassReason, type HeaderMap, type OriginResponse, type RequestRules, type ResponseRules } from './cache-policy.js';
import type { CacheEntry, CacheStore } from './cache-store.js';
import { Coalescer, type FollowSignal } from './coalescer.js';
import type { FlightTable } from './flight-table.js';

export interface ResponseCacheOptions {
  readonly store: CacheStore;
  readonly flights: FlightTable;
  /** Wakes followers in other front processes; omit with one process. */
  readonly bus?: FrontBus;
  /** Storable statuses (default [200]). */
  readonly statuses?: readonly number[];
  /** Cookie names that do not make a request personal. */
  readonly ignoreCookies?: readonly string[];
  /** Query parameters left out of the key. */
  readonly dropParams?: readonly string[];
  /** Longest a follower waits for a leader, ms (0: no coalescing). */
  readonly coalesceWaitMs: number;
  readonly metrics?: CacheMetrics;
  /** One JSON-able event per call (bad headers, busy store). Default: a JSON line on stderr. */
  readonly log?: (event: Record<string, unknown>) => void;
  readonly now?: () => number;
  /** Called after tags were forgotten here (to forward them to peer pods). */
  readonly onForget?: (tags: readonly string[]) => void;
}

/** Follow-ups after which a follower stops re-looking and runs PHP itself. */
const MAX_ATTEMPTS = 3;
/** Pause before claiming again when the coalescing table is locked, and how long to keep trying, ms. */
const BUSY_RETRY_MS = 2;
const BUSY_BUDGET_MS = 250;

function defaultLog(event: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ level: 'warn', ...event })}\n`);
}

/**
 * The response cache as the HTTP front uses it: `lookup` before PHP, the
 * returned lease's `finish` after. See docs/cache.md for the behaviour and
 * docs/design/0002-response-cache.md for the contract.
 */
export class ResponseCache implements LeaseHost {
  readonly store: CacheStore;
  readonly rules: ResponseRules;
  readonly metrics: CacheMetrics | undefined;
  private readonly requestRules: RequestRules;
  private readonly drop: (name: string) => boolean;
  private readonly coalescer: Coalescer;
  private readonly logger: (event: Record<string, unknown>) => void;
  private readonly clock: () => number;
  private readonly admin: CacheAdmin;

  constructor(options: ResponseCacheOptions) {
    this.store = options.store;
    this.rules = { statuses: new Set(options.statuses ?? [200]) };
    this.metrics = options.metrics;
    this.requestRules = { ignorableCookie: nameMatcher(options.ignoreCookies ?? []) };
    this.drop = nameMatcher(options.dropParams ?? []);
    this.clock = options.now ?? Date.now;
    this.logger = options.log ?? defaultLog;
    this.admin = new CacheAdmin(options.store, { dropParams: options.dropParams, onForget: options.onForget });
    this.coalescer = new Coalescer(options.flights, options.bus, { waitMs: options.coalesceWaitMs, now: this.clock });
  }

  now(): number {
    return this.clock();
  }

  log(event: Record<string, unknown>): void {
    this.logger(event);
  }

  /**
   * A fresh entry for this request, or undefined — without claiming anything:
   * the front's fast path answers hits with it and leaves every other case
   * (stale, miss, bypass) to lookup(). Counts the hit when it finds one.
   */
  peekFresh(request: CacheRequest): { status: number; entry: CacheEntry; now: number } | undefined {
    const method = request.method.toUpperCase();
    if (requestBypass(method, request.headers, this.requestRules)) return undefined;
    const key = requestKey(request.target, headerString(request.headers.host), request.scheme ?? 'http', this.drop);
    if (!key) return undefined;
    const now = this.clock();
    const { entry } = this.find(key, request.headers, now);
    if (!entry || now >= entry.freshUntil) return undefined;
    this.metrics?.result('hit');
    return { status: entry.status, entry, now };
  }

  /**
   * Decides what to do with a request before PHP runs. Synchronous for hits,
   * bypasses, stale entries and leaders; a promise only while following
   * another request for the same key (bounded by `request.deadline`).
   */
  lookup(request: CacheRequest): CacheDecision | Promise<CacheDecision> {
    const method = request.method.toUpperCase();
    const reason = requestBypass(method, request.headers, this.requestRules);
    if (reason) return this.bypass(reason);
    const key = requestKey(request.target, headerString(request.headers.host), request.scheme ?? 'http', this.drop);
    if (!key) return this.bypass('unkeyable');
    return this.resolve(request, key, 0, false);
  }

  /** Forgets tags in every process now (askr_cache_forget_tag, admin API). Returns the forget sequence. */
  forgetTags(tags: readonly string[]): number {
    return this.admin.forgetTags(tags);
  }

  /** Purges one absolute URL with all its Vary variants (or, with `allQueries`, its whole path). O(1). */
  purge(url: string, options: { allQueries?: boolean } = {}): number {
    return this.admin.purge(url, options);
  }

  /** Stops coalescing waits (shutdown): waiting followers run PHP. */
  close(): void {
    this.coalescer.close();
  }

  private bypass(reason: BypassReason): BypassDecision {
    this.metrics?.result('bypass');
    return {
      kind: 'bypass',
      reason,
      finish: (origin: OriginResponse): CacheOutcome => {
        const headers = clientHeaders(origin.headers);
        headers['x-askr-cache'] = 'BYPASS';
        return { status: origin.status, headers, body: origin.body, xCache: 'BYPASS', reason, staleFallback: false };
      },
    };
  }

  /** The entry for a request (following a Vary marker) and the key a miss locks. */
  private find(key: RequestKey, headers: HeaderMap, now: number): { entry: CacheEntry | undefined; lockKey: string } {
    const primary = this.store.get(key.key, now);
    if (primary?.kind !== 'vary') return { entry: primary, lockKey: key.key };
    const names = parseVary(primary.headers.vary);
    const lockKey = variantKey(key.key, names === '*' ? [] : names, headers);
    return { entry: this.store.get(lockKey, now), lockKey };
  }

  private resolve(request: CacheRequest, key: RequestKey, attempts: number, waited: boolean, busySince?: number): CacheDecision | Promise<CacheDecision> {
    const now = this.clock();
    const { entry, lockKey } = this.find(key, request.headers, now);
    if (entry && now < entry.freshUntil) {
      this.metrics?.result('hit');
      if (waited) this.metrics?.coalesced();
      return { kind: 'hit', status: entry.status, headers: servedHeaders(entry, now, 'HIT'), body: entry.body, coalesced: waited, entry };
    }
    if (entry && now < entry.staleUntil) {
      this.metrics?.result('stale');
      if (waited) this.metrics?.coalesced();
      // One background refresh pod-wide: only the request that wins the claim runs it.
      const entered = waited ? undefined : this.coalescer.enter(lockKey, request.deadline, true);
      const refresh = entered?.role === 'leader' ? this.lease(key, request, entered.flight, undefined, true) : undefined;
      return { kind: 'stale', status: entry.status, headers: servedHeaders(entry, now, 'STALE'), body: entry.body, refresh, entry };
    }
    // Past swr: inside sie the entry is kept as the answer should PHP fail.
    const fallback = entry && now < entry.errorUntil ? entry : undefined;
    const entered = this.coalescer.enter(lockKey, request.deadline);
    if (entered.role === 'leader') return this.miss(key, request, fallback, entered.flight);
    if (entered.role === 'none') return this.miss(key, request, fallback, undefined);
    if (entered.role === 'busy') {
      // Another process holds the table's lock (perhaps descheduled): running
      // PHP now would break "once per pod", so look again in a moment — but
      // only briefly, so a stopped process cannot stall every miss.
      const since = busySince ?? now;
      if (now - since >= BUSY_BUDGET_MS || now + BUSY_RETRY_MS >= request.deadline) return this.miss(key, request, fallback, undefined);
      return new Promise<void>((r) => setTimeout(r, BUSY_RETRY_MS)).then(() => this.resolve(request, key, attempts, waited, since));
    }
    return entered.wait.then((signal) => this.afterWait(signal, request, key, attempts, fallback));
  }

  private afterWait(signal: FollowSignal, request: CacheRequest, key: RequestKey, attempts: number, fallback: CacheEntry | undefined): CacheDecision | Promise<CacheDecision> {
    if (signal === 'not-stored' || signal === 'timeout' || attempts + 1 >= MAX_ATTEMPTS) return this.miss(key, request, fallback, undefined);
    // stored: served from the cache; abandoned, orphaned, gone: look again, maybe lead.
    return this.resolve(request, key, attempts + 1, signal === 'stored');
  }

  private miss(key: RequestKey, request: CacheRequest, fallback: CacheEntry | undefined, flight: MissLeaseFlight): MissDecision {
    return { kind: 'miss', lease: this.lease(key, request, flight, fallback, false), leader: flight !== undefined };
  }

  private lease(key: RequestKey, request: CacheRequest, flight: MissLeaseFlight, fallback: CacheEntry | undefined, background: boolean): MissLease {
    // Read now, before PHP runs: a forget during rendering is never lost.
    const bornSeq = this.store.forgetSequence();
    return new MissLease(this, { key, headers: request.headers, bornSeq, flight, fallback, background });
  }
}

type MissLeaseFlight = ConstructorParameters<typeof MissLease>[1]['flight'];

function headerString(v: string | readonly string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.[0];
}
