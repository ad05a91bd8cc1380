/**
 * The cache key of a request: scheme, lowercased host without its default port,
 * path as sent, and the query with tracking parameters dropped and the rest
 * sorted by name (parameters sharing a name keep their order, which PHP's
 * arrays depend on). HEAD and GET share a key. A response that varies on request
 * headers is stored under a variant key that appends the named headers' values.
 */
export interface KeyOptions {
  /** Query parameter names to drop; a trailing `*` matches a prefix (`utm_*`). */
  readonly dropParams: readonly string[];
}

export interface RequestKey {
  /** The primary key: one per URL. */
  readonly key: string;
  /** Implicit tag shared by every Vary variant of this URL (purge of one URL). */
  readonly urlTag: string;
  /** Implicit tag shared by every query string of this host+path (purge of a path). */
  readonly pathTag: string;
}

/** Prefix of implicit tags: a control character, which app tags cannot contain. */
const IMPLICIT = '\u0001';

/** A name matcher for lists such as `utm_*,gclid`. */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  if (exact.size === 0 && prefixes.length === 0) return () => false;
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._~!$&'()*+;=-]*)(?::([0-9]{1,5}))?$/;

/** Lowercases a Host value and drops the scheme's default port; undefined if malformed. */
export function normaliseHost(host: string | undefined, scheme: 'http' | 'https'): string | undefined {
  const h = (host ?? '').trim().toLowerCase();
  const m = HOST.exec(h);
  if (!m) return undefined;
  let out = h;
  const port = m[1];
  if (port !== undefined && port === (scheme === 'https' ? '443' : '80')) out = h.slice(0, h.length - port.length - 1);
  if (out.endsWith('.')) out = out.slice(0, -1);
  return out;
}

/** Splits a query string, drops matching names, stable-sorts the rest by name. */
export function normaliseQuery(query: string, drop: (name: string) => boolean): string {
  if (query === '') return '';
  const pairs: { name: string; pair: string; i: number }[] = [];
  let i = 0;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (drop(name)) continue;
    pairs.push({ name, pair, i: i++ });
  }
  pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.i - b.i));
  return pairs.map((p) => p.pair).join('&');
}

/**
 * Builds the key of a request. `target` is the request-target as received
 * (origin-form `/path?query`, or absolute-form). Returns undefined when the
 * request cannot be keyed safely (asterisk form, malformed host): bypass it.
 */
export function requestKey(
  target: string,
  host: string | undefined,
  scheme: 'http' | 'https',
  drop: (name: string) => boolean,
): RequestKey | undefined {
  let rest = target;
  let hostValue = host;
  if (!rest.startsWith('/')) {
    const m = /^https?:\/\/([^/?#]*)(.*)$/i.exec(rest);
    if (!m) return undefined;
    hostValue = m[1];
    rest = m[2] === '' || m[2] === undefined ? '/' : m[2];
    if (!rest.startsWith('/') && !rest.startsWith('?')) return undefined;
    if (rest.startsWith('?')) rest = `/${rest}`;
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const h = normaliseHost(hostValue, scheme);
  if (h === undefined) return undefined;
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : normaliseQuery(rest.slice(q + 1), drop);
  const base = `${scheme}://${h}${path}`;
  const key = query === '' ? base : `${base}?${query}`;
  return new LazyTagsKey(key, base);
}

/**
 * A request key whose implicit tags are built on first use: they matter only
 * when storing or purging, never on a hit. A class, not an object literal with
 * getters: V8 gives each such literal its own map, and maps live in old space,
 * so every request's objects would survive the young-generation GC.
 */
class LazyTagsKey implements RequestKey {
  constructor(
    readonly key: string,
    private readonly base: string,
  ) {}

  get urlTag(): string {
    return `${IMPLICIT}url:${this.key}`;
  }

  get pathTag(): string {
    return `${IMPLICIT}path:${this.base}`;
  }
}

/**
 * Parses a response's Vary into sorted, de-duplicated lowercase names;
 * `'*'` when it contains `*` (never stored). An empty list means no variance.
 */
export function parseVary(value: string | readonly string[] | undefined): readonly string[] | '*' {
  if (value === undefined) return [];
  const all = (typeof value === 'string' ? [value] : value).join(',');
  const names = new Set<string>();
  for (const raw of all.split(',')) {
    const n = raw.trim().toLowerCase();
    if (n === '') continue;
    if (n === '*') return '*';
    names.add(n);
  }
  return [...names].sort();
}

/** The variant key: the primary key plus each named request header's value. */
export function variantKey(
  primary: string,
  names: readonly string[],
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): string {
  let out = `${primary}\u0000vary`;
  for (const n of names) {
    const v = headers[n];
    const value = v === undefined ? '' : typeof v === 'string' ? v.trim() : v.map((x) => x.trim()).join(', ');
    // A length prefix keeps "a" + "b,c" and "a,b" + "c" apart.
    out += `\u0000${n}\u0000${value.length}:${value}`;
  }
  return out;
}
