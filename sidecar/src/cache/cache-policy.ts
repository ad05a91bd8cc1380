import { parseCacheHeader, type CacheDirective } from './cache-header.js';
import { parseVary } from './cache-key.js';

/** Request and response headers as Node exposes them: lowercase names. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Mutable response headers handed back to the front: lowercase names. */
export type ResponseHeaders = Record<string, string | string[]>;

/** Why a request or response did not go through the cache (the BYPASS reasons). */
export type BypassReason =
  | 'off'
  | 'method'
  | 'cookie'
  | 'authorization'
  | 'unkeyable'
  | 'no-opt-in'
  | 'bad-header'
  | 'ttl-zero'
  | 'status'
  | 'streamed'
  | 'head-origin'
  | 'vary-star'
  | 'size'
  | 'forgotten-while-rendering'
  | 'store-busy';

export interface RequestRules {
  /** Cookie names that do not make a request personal (`_ga*` style prefixes allowed). */
  readonly ignorableCookie: (name: string) => boolean;
}

/**
 * Decides whether a request may be answered from, or stored into, the shared
 * cache. Only GET and HEAD without `Authorization` and without a `Cookie` that
 * names anything but ignorable cookies. The client's own `Cache-Control` is
 * ignored on purpose: a client must not be able to send every request to PHP.
 */
export function requestBypass(method: string, headers: HeaderMap, rules: RequestRules): BypassReason | undefined {
  if (method !== 'GET' && method !== 'HEAD') return 'method';
  if (headers.authorization !== undefined) return 'authorization';
  const cookie = headers.cookie;
  if (cookie !== undefined) {
    for (const line of typeof cookie === 'string' ? [cookie] : cookie) {
      for (const part of line.split(';')) {
        const t = part.trim();
        if (t === '') continue;
        const eq = t.indexOf('=');
        if (!rules.ignorableCookie(eq === -1 ? t : t.slice(0, eq).trim())) return 'cookie';
      }
    }
  }
  return undefined;
}

/** What PHP answered, as the front buffered it. */
export interface OriginResponse {
  readonly status: number;
  /** Lowercase names; `set-cookie` may be an array. */
  readonly headers: HeaderMap;
  /** The whole body, or undefined when it was streamed (never stored). */
  readonly body: Buffer | undefined;
  /** The method PHP ran; a HEAD response has no body and is never stored. Default GET. */
  readonly method?: string;
}

export interface ResponseRules {
  /** Statuses that may be stored (200 by default). */
  readonly statuses: ReadonlySet<number>;
}

export type ResponseVerdict =
  | {
      readonly store: true;
      readonly directive: CacheDirective;
      /** Vary names (lowercase, sorted); empty when the response does not vary. */
      readonly vary: readonly string[];
      /** Headers to keep in the store. */
      readonly headers: ResponseHeaders;
    }
  | { readonly store: false; readonly reason: BypassReason; readonly badHeader?: string };

/** Never stored: personal (`set-cookie`), ours, per-connection, or recomputed on serve. */
const NOT_STORED = new Set([
  'set-cookie',
  'askr-cache',
  'x-askr-cache',
  'age',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/** Copies headers without `Askr-Cache`, which never reaches a client. */
export function clientHeaders(headers: HeaderMap): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const n = name.toLowerCase();
    if (n === 'askr-cache' || n === 'x-askr-cache') continue;
    out[n] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

/** Copies the headers the store keeps. */
export function storedHeaders(headers: HeaderMap): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const n = name.toLowerCase();
    if (NOT_STORED.has(n)) continue;
    out[n] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

function headerValue(headers: HeaderMap, name: string): string | readonly string[] | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Decides whether PHP's answer may be stored. The opt-in header is parsed
 * first, so a malformed header is always reported, whatever else is wrong.
 */
export function responseVerdict(origin: OriginResponse, rules: ResponseRules): ResponseVerdict {
  const parsed = parseCacheHeader(headerValue(origin.headers, 'askr-cache'));
  if (parsed?.ok === false) return { store: false, reason: 'bad-header', badHeader: parsed.error };
  if ((origin.method ?? 'GET').toUpperCase() === 'HEAD') return { store: false, reason: 'head-origin' };
  if (parsed === undefined) return { store: false, reason: 'no-opt-in' };
  if (parsed.directive.ttl === 0) return { store: false, reason: 'ttl-zero' };
  if (!rules.statuses.has(origin.status)) return { store: false, reason: 'status' };
  if (origin.body === undefined) return { store: false, reason: 'streamed' };
  const vary = parseVary(headerValue(origin.headers, 'vary'));
  if (vary === '*') return { store: false, reason: 'vary-star' };
  return { store: true, directive: parsed.directive, vary, headers: storedHeaders(origin.headers) };
}
