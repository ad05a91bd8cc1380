import type { OptionSpec } from './option.js';

/**
 * The response cache's rows of the `askr serve` configuration table. Each flag
 * is also read from `ASKR_<FLAG>` (e.g. ASKR_RESPONSE_CACHE=512).
 */
export const cacheOptions = [
  { key: 'responseCache', flag: 'response-cache', kind: 'megabytes', default: '0', unit: 'MB', min: 0, max: 1_000_000, group: 'Response cache',
    help: 'Size of the shared-memory response cache (metadata included); 0 turns it off. Pages opt in with the Askr-Cache header; entries survive a sidecar restart.' },
  { key: 'responseCacheMaxEntry', flag: 'response-cache-max-entry', kind: 'bytes', default: '2M', unit: 'bytes (K/M/G suffixes)', min: 1024, max: 256 * 1024 * 1024, group: 'Response cache',
    help: 'Largest response stored (body, headers, key and tags together); larger ones are served but not stored (BYPASS). Capped at an eighth of the cache.' },
  { key: 'responseCacheStatuses', flag: 'response-cache-statuses', kind: 'list', default: '200', group: 'Response cache',
    help: 'Statuses that may be stored when the app opts in (e.g. 200,301,404). Anything else is BYPASS.' },
  { key: 'responseCacheIgnoreCookies', flag: 'response-cache-ignore-cookies', kind: 'list', group: 'Response cache',
    help: 'Cookie names (a trailing * matches a prefix, e.g. _ga*) that do not make a request personal. Any other Cookie means BYPASS. Default: none.' },
  { key: 'responseCacheDropParams', flag: 'response-cache-drop-params', kind: 'list', default: 'utm_*,gclid,fbclid,msclkid', group: 'Response cache',
    help: 'Query parameters left out of the cache key (a trailing * matches a prefix): tracking parameters would otherwise give every ad click its own miss. PHP still sees them.' },
  { key: 'responseCacheCoalesceWait', flag: 'response-cache-coalesce-wait', kind: 'seconds', unit: 's', min: 0, max: 86400, group: 'Response cache',
    help: 'Longest a request waits for another request computing the same page before running PHP itself (0: no coalescing). Default: --request-timeout.' },
] as const satisfies readonly OptionSpec[];
