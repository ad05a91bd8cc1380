import type { Registry } from 'prom-client';
import type { FrontBus } from '../ipc/front-bus.js';
import type { WorkerCallRegistry } from '../pool/worker-calls.js';
import type { ShmRegion } from '../shm/shm-region.js';
import { AskrError } from '../errors.js';
import { CacheMetrics } from './cache-metrics.js';
import { ResponseCache } from './response-cache.js';
import { ShmCache } from './shm-cache.js';

/** The parsed options the cache reads (cacheOptions rows plus --request-timeout). */
export interface CacheConfig {
  readonly responseCache: number;
  readonly responseCacheMaxEntry: number;
  readonly responseCacheStatuses: readonly string[];
  readonly responseCacheIgnoreCookies?: readonly string[] | undefined;
  readonly responseCacheDropParams: readonly string[];
  readonly responseCacheCoalesceWait?: number | undefined;
  /** Seconds. */
  readonly requestTimeout: number;
}

export interface CacheDeps {
  readonly config: CacheConfig;
  /** The pod's shared-memory file, laid out with `cacheRegions(config)`. */
  readonly shm: ShmRegion;
  readonly registry?: Registry;
  readonly bus?: FrontBus;
  /** Registers `cache.forgetTags` (askr_cache_forget_tag) on it. */
  readonly workerCalls?: WorkerCallRegistry;
  readonly log?: (event: Record<string, unknown>) => void;
  /** Told about tags forgotten in this process (to forward to peer pods). */
  readonly onForget?: (tags: readonly string[]) => void;
}

/** Parses --response-cache-statuses; a bad value fails at start, naming the flag. */
export function parseStatuses(list: readonly string[]): number[] {
  return list.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 200 || n > 599) {
      throw new AskrError('ASKR_ERR_CONFIG', `--response-cache-statuses: "${s}" is not an HTTP status (200-599)`);
    }
    return n;
  });
}

/**
 * Builds the response cache of one front process, or undefined when
 * `--response-cache` is 0 (then the front strips `Askr-Cache` with
 * `clientHeaders()` and sets no X-Askr-Cache).
 */
export function createResponseCache(deps: CacheDeps): ResponseCache | undefined {
  const { config } = deps;
  if (config.responseCache === 0) return undefined;
  const shm = ShmCache.fromRegion(deps.shm, { maxEntryBytes: config.responseCacheMaxEntry });
  const cache = new ResponseCache({
    store: shm.store,
    flights: shm.flights,
    bus: deps.bus,
    statuses: parseStatuses(config.responseCacheStatuses),
    ignoreCookies: config.responseCacheIgnoreCookies ?? [],
    dropParams: config.responseCacheDropParams,
    coalesceWaitMs: (config.responseCacheCoalesceWait ?? config.requestTimeout) * 1000,
    metrics: deps.registry ? new CacheMetrics(deps.registry, () => shm.store.stats()) : undefined,
    log: deps.log,
    onForget: deps.onForget,
  });
  deps.workerCalls?.register('cache.forgetTags', (args) => {
    const tags = args.tags;
    if (!Array.isArray(tags) || !tags.every((t): t is string => typeof t === 'string')) {
      throw new AskrError('ASKR_ERR_BAD_REQUEST', 'cache.forgetTags expects {tags: string[]}');
    }
    return { seq: cache.forgetTags(tags) };
  });
  return cache;
}
