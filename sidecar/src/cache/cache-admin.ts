import { Router, type Request, type Response } from 'express';
import { AskrError } from '../errors.js';
import { isValidTag } from './cache-header.js';
import { nameMatcher, requestKey } from './cache-key.js';
import type { CacheStore } from './cache-store.js';

export interface CacheAdminOptions {
  /** The same --response-cache-drop-params the fronts key with. */
  readonly dropParams?: readonly string[];
  /** Told about tags forgotten here (to forward them to peer pods). */
  readonly onForget?: (tags: readonly string[]) => void;
}

/**
 * Invalidation: forgetting tags and purging URLs. Needs only the store (shared
 * memory), so it works from any process of the pod, the admin's included.
 */
export class CacheAdmin {
  private readonly store: CacheStore;
  private readonly drop: (name: string) => boolean;
  private readonly onForget: ((tags: readonly string[]) => void) | undefined;

  constructor(store: CacheStore, options: CacheAdminOptions = {}) {
    this.store = store;
    this.drop = nameMatcher(options.dropParams ?? []);
    this.onForget = options.onForget;
  }

  /**
   * Every entry carrying any of `tags` is stale from now on, in every process;
   * O(number of tags). Throws ASKR_ERR_BAD_REQUEST for a name no Askr-Cache
   * header could carry. Returns the forget sequence.
   */
  forgetTags(tags: readonly unknown[]): number {
    for (const t of tags) {
      if (typeof t !== 'string' || !isValidTag(t)) throw new AskrError('ASKR_ERR_BAD_REQUEST', `not a valid cache tag: ${JSON.stringify(t).slice(0, 80)}`);
    }
    if (tags.length === 0) return this.store.forgetSequence();
    const names = tags as readonly string[];
    const seq = this.store.forgetTags(names);
    this.onForget?.(names);
    return seq;
  }

  /**
   * Purges one absolute URL (`http://host/path?query`) with all its Vary
   * variants (GET and HEAD share them), or with `allQueries` every query string
   * of its path. O(1): each entry carries implicit tags for its URL and path.
   */
  purge(url: string, options: { allQueries?: boolean } = {}): number {
    const m = /^(https?):\/\//i.exec(url);
    const scheme = m?.[1]?.toLowerCase() === 'https' ? 'https' : 'http';
    const key = m ? requestKey(url, undefined, scheme, this.drop) : undefined;
    if (!key) throw new AskrError('ASKR_ERR_BAD_REQUEST', `purge needs an absolute http(s) URL, got ${JSON.stringify(url).slice(0, 200)}`);
    const tag = options.allQueries ? key.pathTag : key.urlTag;
    const seq = this.store.forgetTags([tag]);
    // The implicit tag is the same in every pod (same key rules), so peers purge by forgetting it.
    this.onForget?.([tag]);
    return seq;
  }
}

function fail(res: Response, err: unknown): void {
  if (err instanceof AskrError) res.status(err.status).json({ error: err.message, code: err.code });
  else res.status(500).json({ error: String(err) });
}

function purgeHandler(admin: CacheAdmin, url: string | undefined, req: Request, res: Response): void {
  const q = req.query['all-queries'];
  const allQueries = q === '1' || q === 'true' || req.get('x-askr-purge') === 'path';
  try {
    if (url === undefined) throw new AskrError('ASKR_ERR_BAD_REQUEST', 'purge needs a URL');
    res.json({ purged: url, allQueries, seq: admin.purge(url, { allQueries }) });
  } catch (err) {
    fail(res, err);
  }
}

/**
 * The admin routes (mounted behind the admin token):
 *
 * - `POST /askr/cache/forget-tag` with `{"tags": ["posts", …]}` → `{"seq": n}`
 * - `PURGE http://shop.test/posts?page=2` (absolute-form request target, e.g.
 *   `curl -X PURGE --request-target http://shop.test/posts http://ADMIN`), or
 *   `PURGE /askr/cache?url=http://shop.test/posts` → `{"purged": url, "seq": n}`;
 *   `?all-queries=1` (or `X-Askr-Purge: path`) purges every query string of the path.
 */
export function cacheAdminRouter(admin: CacheAdmin): Router {
  const router = Router();
  router.post('/askr/cache/forget-tag', (req, res) => {
    const tags = (req.body as { tags?: unknown } | undefined)?.tags;
    try {
      if (!Array.isArray(tags)) throw new AskrError('ASKR_ERR_BAD_REQUEST', 'expected a JSON body {"tags": ["…"]}');
      res.json({ seq: admin.forgetTags(tags) });
    } catch (err) {
      fail(res, err);
    }
  });
  router.use((req, res, next) => {
    if (req.method !== 'PURGE') {
      next();
      return;
    }
    const absolute = /^https?:\/\//i.test(req.originalUrl) ? req.originalUrl.replace(/[?&]all-queries=[^&]*/, '') : undefined;
    const param = typeof req.query.url === 'string' ? req.query.url : undefined;
    purgeHandler(admin, absolute ?? param, req, res);
  });
  return router;
}
