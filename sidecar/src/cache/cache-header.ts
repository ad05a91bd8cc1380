/**
 * The app's opt-in header, parsed strictly:
 *
 *   Askr-Cache: <ttl> [, swr=<s>] [, sie=<s>] [, tags=<tag>[,<tag>…]]
 *
 * `ttl` comes first; the parameters follow in any order, each at most once.
 * Tags run from `tags=` up to the next `name=value` parameter, so
 * `60, tags=a,b, swr=30` is tags a and b with swr 30. Numbers are whole
 * seconds (at most 9 digits). `stale-while-revalidate` and `stale-if-error` are
 * accepted as the long names of `swr` and `sie`. Anything else — an unknown or
 * repeated parameter, an empty item, a bad tag, two headers — is an error:
 * the response is not cached, and the caller logs it and counts it.
 */
export interface CacheDirective {
  /** Seconds the entry is fresh; 0 means "do not store". */
  readonly ttl: number;
  /** Seconds after ttl during which the entry is served STALE while one refresh runs. */
  readonly swr: number;
  /** Seconds after ttl during which a 5xx from PHP is replaced by the entry. */
  readonly sie: number;
  /** Tag names, case-sensitive, de-duplicated, in header order. */
  readonly tags: readonly string[];
}

export type HeaderParse =
  | { readonly ok: true; readonly directive: CacheDirective }
  | { readonly ok: false; readonly error: string };

/** Longest accepted tag, in characters. */
export const MAX_TAG_LENGTH = 256;

const NUMBER = /^[0-9]{1,9}$/;
/** Visible ASCII except the separators of this grammar and quotes. */
const TAG = /^[\x21-\x7e]+$/;
const TAG_FORBIDDEN = /[,;="]/;

const PARAM_NAMES: Readonly<Record<string, 'swr' | 'sie' | 'tags'>> = {
  swr: 'swr',
  'stale-while-revalidate': 'swr',
  sie: 'sie',
  'stale-if-error': 'sie',
  tags: 'tags',
};

/** True when `tag` is a valid tag name (also used for askr_cache_forget_tag arguments). */
export function isValidTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= MAX_TAG_LENGTH && TAG.test(tag) && !TAG_FORBIDDEN.test(tag);
}

function bad(error: string): HeaderParse {
  return { ok: false, error };
}

/**
 * Parses the value(s) of `Askr-Cache`. `undefined` means the header is absent
 * (the response did not opt in), which is not an error.
 */
export function parseCacheHeader(value: string | readonly string[] | undefined): HeaderParse | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    if (value.length === 0) return undefined;
    if (value.length > 1) return bad('more than one Askr-Cache header');
    value = value[0] ?? '';
  }
  const items = value.split(',').map((s) => s.trim());
  const first = items[0] ?? '';
  if (!NUMBER.test(first)) return bad(`expected the ttl in whole seconds first, got "${first.slice(0, 40)}"`);
  const ttl = Number(first);
  let swr: number | undefined;
  let sie: number | undefined;
  let tags: string[] | undefined;
  let inTags = false;
  for (let i = 1; i < items.length; i++) {
    const item = items[i] ?? '';
    if (item === '') return bad('empty item');
    const eq = item.indexOf('=');
    if (eq === -1) {
      if (!inTags || !tags) return bad(`"${item.slice(0, 40)}" is not a parameter (name=value)`);
      if (!isValidTag(item)) return bad(`bad tag "${item.slice(0, 40)}"`);
      tags.push(item);
      continue;
    }
    inTags = false;
    const name = PARAM_NAMES[item.slice(0, eq).toLowerCase()];
    const raw = item.slice(eq + 1);
    if (!name) return bad(`unknown parameter "${item.slice(0, eq).slice(0, 40)}"`);
    if (name === 'tags') {
      if (tags) return bad('tags given twice');
      if (!isValidTag(raw)) return bad(`bad tag "${raw.slice(0, 40)}"`);
      tags = [raw];
      inTags = true;
      continue;
    }
    if (!NUMBER.test(raw)) return bad(`${name} must be whole seconds, got "${raw.slice(0, 40)}"`);
    if (name === 'swr') {
      if (swr !== undefined) return bad('swr given twice');
      swr = Number(raw);
    } else {
      if (sie !== undefined) return bad('sie given twice');
      sie = Number(raw);
    }
  }
  return { ok: true, directive: { ttl, swr: swr ?? 0, sie: sie ?? 0, tags: tags ? [...new Set(tags)] : [] } };
}
