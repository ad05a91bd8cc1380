// The leak matrix: an app that (carelessly) opts every response into the cache
// and personalises by Cookie, Authorization, a Vary header or Host. Requests of
// every kind are replayed in random order; nothing rendered for one visitor may
// ever be served to another, and no Set-Cookie may reach anyone but its own
// request.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRegions } from '../src/cache/cache-layout.js';
import type { CacheRequest } from '../src/cache/cache-decision.js';
import type { OriginResponse } from '../src/cache/cache-policy.js';
import { ResponseCache } from '../src/cache/response-cache.js';
import { ShmCache } from '../src/cache/shm-cache.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-leak-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Headers = Record<string, string | string[]>;

/** Who a request is, as the app would see it; 'anon' for a shared page. */
function identity(method: string, path: string, h: Headers): string {
  const cookie = ([] as string[]).concat(h.cookie ?? []).join('; ');
  const session = /(?:^|;\s*)session=([^;]+)/.exec(cookie)?.[1];
  const auth = ([] as string[]).concat(h.authorization ?? [])[0];
  // The app only personalises by X-Group where it says so (Vary: X-Group).
  const group = path.startsWith('/grouped') ? (([] as string[]).concat(h['x-group'] ?? [])[0] ?? '') : '';
  const host = String(h.host ?? '').toLowerCase().replace(/:80$/, '');
  return `${method === 'HEAD' ? 'GET' : method}|${host}|${session ?? (auth !== undefined ? `auth:${auth}` : 'anon')}|${group}`;
}

let served = 0;
/** The careless app: opts everything in, sets a cookie, varies on X-Group for /grouped. */
function app(method: string, path: string, h: Headers): OriginResponse {
  const n = ++served;
  const headers: Headers = {
    'askr-cache': '60, tags=page',
    'content-type': 'text/plain',
    'set-cookie': [`sid=${n}; HttpOnly`],
    'x-askr-cache': 'HIT', // an app trying to spoof the cache header
  };
  if (path.startsWith('/grouped')) headers.vary = 'X-Group';
  return { status: 200, headers, body: method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(JSON.stringify({ who: identity(method, path, h), n })), method: method === 'HEAD' ? 'HEAD' : 'GET' };
}

const variants: { method: string; headers: Headers }[] = [
  { method: 'GET', headers: { host: 'shop.test' } },
  { method: 'GET', headers: { host: 'SHOP.test:80' } },
  { method: 'GET', headers: { host: 'other.test' } },
  { method: 'HEAD', headers: { host: 'shop.test' } },
  { method: 'GET', headers: { host: 'shop.test', cookie: 'session=alice' } },
  { method: 'GET', headers: { host: 'shop.test', cookie: 'session=bob; _ga=1' } },
  { method: 'GET', headers: { host: 'shop.test', cookie: ['_ga=1', 'session=carol'] } },
  { method: 'GET', headers: { host: 'shop.test', cookie: '_ga=GA1.2; _gid=7' } },
  { method: 'GET', headers: { host: 'shop.test', authorization: 'Bearer dave' } },
  { method: 'GET', headers: { host: 'shop.test', authorization: '' } },
  { method: 'GET', headers: { host: 'shop.test', 'x-group': 'staff' } },
  { method: 'GET', headers: { host: 'shop.test', 'x-group': 'public' } },
  { method: 'POST', headers: { host: 'shop.test' } },
  { method: 'PUT', headers: { host: 'shop.test' } },
];
const paths = ['/', '/grouped', '/q?a=1&b=2', '/q?b=2&a=1&utm_source=mail'];

describe('leak matrix', () => {
  test('random interleavings of personal and anonymous requests never cross visitors', async () => {
    const region = ShmRegion.open({ path: join(dir, 'leak.shm'), regions: cacheRegions({ responseCache: 1 }), stamp: 'l', mode: 'create' });
    const shm = ShmCache.fromRegion(region, { maxEntryBytes: 64 * 1024 });
    const cache = new ResponseCache({ store: shm.store, flights: shm.flights, coalesceWaitMs: 1000, ignoreCookies: ['_ga', '_gid'], dropParams: ['utm_*'], log: () => undefined });
    let seed = 99;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const seen = { HIT: 0, MISS: 0, BYPASS: 0, STALE: 0 };
    for (let i = 0; i < 3000; i++) {
      const v = variants[rand(variants.length)]!;
      const path = paths[rand(paths.length)]!;
      if (rand(200) === 0) cache.forgetTags(['page']);
      const request: CacheRequest = { method: v.method, target: path, headers: v.headers, deadline: Date.now() + 5000 };
      const d = await cache.lookup(request);
      let status: number, headers: Headers, body: Buffer | undefined, generatedFor: number | undefined;
      if (d.kind === 'hit' || d.kind === 'stale') {
        ({ status, headers, body } = d);
      } else {
        const o = app(d.kind === 'miss' ? d.lease.originMethod : v.method, path, v.headers);
        generatedFor = served;
        const out = d.kind === 'miss' ? d.lease.finish(o) : d.finish(o);
        ({ status, headers, body } = out);
      }
      assert.equal(status, 200);
      const x = headers['x-askr-cache'] as keyof typeof seen;
      seen[x]++;
      assert.equal(headers['askr-cache'], undefined, 'Askr-Cache never reaches a client');
      const cookie = headers['set-cookie'];
      if (cookie !== undefined) assert.deepEqual(cookie, [`sid=${generatedFor}; HttpOnly`], `request ${i}: someone else's cookie`);
      if (v.method === 'HEAD' && (d.kind === 'hit' || d.kind === 'stale')) assert.ok(Number(headers['content-length']) > 0, 'HEAD served from the GET entry');
      if (body && body.length > 0) {
        const who = (JSON.parse(body.toString()) as { who: string }).who;
        const mine = identity(v.method, path, v.headers);
        const personal = !mine.includes('|anon|') || mine.startsWith('POST') || mine.startsWith('PUT');
        if (personal) assert.ok(x === 'BYPASS', `request ${i}: personal request ${mine} got ${x}`);
        assert.equal(who, mine, `request ${i}: ${v.method} ${path} ${JSON.stringify(v.headers)} was served ${who} (${x})`);
      }
    }
    assert.ok(seen.HIT > 500 && seen.MISS > 10 && seen.BYPASS > 500, JSON.stringify(seen));
    cache.close();
  });
});
