// ResponseCache end to end in one process: decisions, leases, windows, Vary,
// purge, coalescing and metrics, over the shared-memory store on a real mapping.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { cacheRegions, M } from '../src/cache/cache-layout.js';
import { CacheMetrics } from '../src/cache/cache-metrics.js';
import type { CacheDecision, CacheRequest, MissDecision } from '../src/cache/cache-decision.js';
import type { OriginResponse } from '../src/cache/cache-policy.js';
import { ResponseCache } from '../src/cache/response-cache.js';
import { ShmCache } from '../src/cache/shm-cache.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-rc-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function setup(opts: { coalesceWaitMs?: number; ignoreCookies?: string[] } = {}) {
  const clock = { t: Date.now() };
  const region = ShmRegion.open({ path: join(dir, `rc${n++}.shm`), regions: cacheRegions({ responseCache: 2 }), stamp: 't', mode: 'create' });
  const shm = ShmCache.fromRegion(region, { maxEntryBytes: 256 * 1024 });
  const registry = new Registry();
  const logs: Record<string, unknown>[] = [];
  const cache = new ResponseCache({
    store: shm.store,
    flights: shm.flights,
    coalesceWaitMs: opts.coalesceWaitMs ?? 5000,
    ignoreCookies: opts.ignoreCookies ?? [],
    dropParams: ['utm_*', 'gclid'],
    metrics: new CacheMetrics(registry, () => shm.store.stats()),
    log: (e) => logs.push(e),
    now: () => clock.t,
  });
  return { cache, clock, registry, logs, shm };
}

function req(target: string, over: Partial<CacheRequest> = {}): CacheRequest {
  return { method: 'GET', target, headers: { host: 'shop.test' }, deadline: Date.now() + 10_000, ...over };
}

function origin(body: string, askrCache: string | null = '60', extra: Record<string, string | string[]> = {}, status = 200): OriginResponse {
  const headers: Record<string, string | string[]> = { 'content-type': 'text/html', ...extra };
  if (askrCache !== null) headers['askr-cache'] = askrCache;
  return { status, headers, body: Buffer.from(body) };
}

async function decide(cache: ResponseCache, r: CacheRequest): Promise<CacheDecision> {
  return await cache.lookup(r);
}

function asMiss(d: CacheDecision): MissDecision {
  assert.equal(d.kind, 'miss');
  return d;
}

async function counter(registry: Registry, name: string, label?: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => label === undefined || v.labels.result === label)?.value ?? 0;
}

describe('ResponseCache', () => {
  test('MISS stores, then HIT serves the same bytes without Askr-Cache or Set-Cookie', async () => {
    const { cache, registry } = setup();
    const d1 = asMiss(await decide(cache, req('/posts')));
    assert.equal(d1.lease.originMethod, 'GET');
    const out = d1.lease.finish(origin('<h1>posts</h1>', '60, tags=posts', { 'set-cookie': ['a=1'] }));
    assert.equal(out.xCache, 'MISS');
    assert.equal(out.headers['x-askr-cache'], 'MISS');
    assert.equal(out.headers['askr-cache'], undefined);
    assert.deepEqual(out.headers['set-cookie'], ['a=1'], 'the leader still gets its own cookie');
    await d1.lease.settled;
    const d2 = await decide(cache, req('/posts'));
    assert.equal(d2.kind, 'hit');
    assert.equal(d2.body.toString(), '<h1>posts</h1>');
    assert.equal(d2.headers['x-askr-cache'], 'HIT');
    assert.equal(d2.headers['set-cookie'], undefined);
    assert.equal(d2.headers['askr-cache'], undefined);
    assert.equal(d2.headers['content-length'], String('<h1>posts</h1>'.length));
    assert.equal(await counter(registry, 'askr_cache_requests_total', 'miss'), 1);
    assert.equal(await counter(registry, 'askr_cache_requests_total', 'hit'), 1);
  });

  test('HEAD is answered from the GET entry, and a HEAD miss runs GET', async () => {
    const { cache } = setup();
    const miss = asMiss(await decide(cache, req('/a', { method: 'HEAD' })));
    assert.equal(miss.lease.originMethod, 'GET');
    miss.lease.finish(origin('body-a'));
    const hit = await decide(cache, req('/a', { method: 'HEAD' }));
    assert.equal(hit.kind, 'hit');
    assert.equal(hit.headers['content-length'], '6');
    assert.equal((await decide(cache, req('/a'))).kind, 'hit');
  });

  test('a response from a HEAD run is never stored', async () => {
    const { cache } = setup();
    const out = asMiss(await decide(cache, req('/h'))).lease.finish({ ...origin(''), method: 'HEAD' });
    assert.equal(out.xCache, 'BYPASS');
    assert.equal(out.reason, 'head-origin');
  });

  test('key normalisation: tracking parameters dropped, order ignored, host case and default port', async () => {
    const { cache } = setup();
    asMiss(await decide(cache, req('/list?b=2&a=1'))).lease.finish(origin('list'));
    for (const [target, host] of [['/list?a=1&b=2', 'shop.test'], ['/list?utm_source=x&a=1&gclid=9&b=2', 'SHOP.test:80']] as const) {
      assert.equal((await decide(cache, req(target, { headers: { host } }))).kind, 'hit', `${host}${target}`);
    }
    assert.equal((await decide(cache, req('/list?a=1&b=2', { headers: { host: 'shop.test:8080' } }))).kind, 'miss');
    assert.equal((await decide(cache, req('/list?a=1&b=2', { scheme: 'https' }))).kind, 'miss', 'https is its own key');
  });

  test('bad Askr-Cache: BYPASS, logged and counted, never thrown', async () => {
    const { cache, registry, logs } = setup();
    const out = asMiss(await decide(cache, req('/bad'))).lease.finish(origin('x', 'forever, tags=a'));
    assert.equal(out.xCache, 'BYPASS');
    assert.equal(out.reason, 'bad-header');
    assert.equal(out.headers['askr-cache'], undefined);
    assert.equal(await counter(registry, 'askr_cache_bad_header_total'), 1);
    assert.equal(logs[0]?.event, 'cache.bad-header');
    assert.equal((await decide(cache, req('/bad'))).kind, 'miss');
  });

  test('not storable: status, no opt-in, ttl 0, streamed, Vary: *, size', async () => {
    const { cache } = setup();
    const cases: [OriginResponse, string][] = [
      [origin('x', '60', {}, 404), 'status'],
      [origin('x', null), 'no-opt-in'],
      [origin('x', '0'), 'ttl-zero'],
      [{ ...origin('x'), body: undefined }, 'streamed'],
      [origin('x', '60', { vary: 'Accept, *' }), 'vary-star'],
      [origin('x'.repeat(300 * 1024)), 'size'],
    ];
    for (const [o, reason] of cases) {
      const out = asMiss(await decide(cache, req(`/n-${reason}`))).lease.finish(o);
      assert.equal(out.xCache, 'BYPASS', reason);
      assert.equal(out.reason, reason);
      assert.equal((await decide(cache, req(`/n-${reason}`))).kind, 'miss', reason);
    }
  });

  test('swr: STALE with exactly one background refresh, then HIT with the new body', async () => {
    const { cache, clock } = setup();
    asMiss(await decide(cache, req('/s'))).lease.finish(origin('v1', '10, swr=30'));
    clock.t += 15_000;
    const s1 = await decide(cache, req('/s'));
    const s2 = await decide(cache, req('/s'));
    assert.equal(s1.kind, 'stale');
    assert.equal(s2.kind, 'stale');
    assert.equal(s1.body.toString(), 'v1');
    assert.equal(s1.headers['x-askr-cache'], 'STALE');
    assert.ok(s1.refresh, 'the first stale request refreshes');
    assert.equal(s2.refresh, undefined, 'only one refresh runs');
    s1.refresh.finish(origin('v2', '10, swr=30'));
    await s1.refresh.settled;
    const hit = await decide(cache, req('/s'));
    assert.equal(hit.kind, 'hit');
    assert.equal(hit.body.toString(), 'v2');
    clock.t += 50_000;
    assert.equal((await decide(cache, req('/s'))).kind, 'miss', 'past swr the entry is gone');
  });

  test('sie: a 5xx inside the window is replaced by the stale entry; a 5xx past it is not', async () => {
    const { cache, clock } = setup();
    asMiss(await decide(cache, req('/e'))).lease.finish(origin('good', '10, sie=100'));
    clock.t += 20_000;
    const miss = asMiss(await decide(cache, req('/e')));
    const out = miss.lease.finish(origin('boom', null, {}, 503));
    assert.equal(out.staleFallback, true);
    assert.equal(out.status, 200);
    assert.equal(out.body?.toString(), 'good');
    assert.equal(out.xCache, 'STALE');
    const again = asMiss(await decide(cache, req('/e')));
    assert.equal(again.lease.abandon()?.body?.toString(), 'good', 'no response at all also falls back');
    clock.t += 100_000;
    const late = asMiss(await decide(cache, req('/e'))).lease.finish(origin('boom', null, {}, 500));
    assert.equal(late.staleFallback, false);
    assert.equal(late.status, 500);
  });

  test('a forgotten entry is never served stale or as an error fallback', async () => {
    const { cache, clock } = setup();
    asMiss(await decide(cache, req('/f'))).lease.finish(origin('old', '10, swr=100, sie=100, tags=posts'));
    cache.forgetTags(['posts']);
    clock.t += 20_000;
    const d = asMiss(await decide(cache, req('/f')));
    assert.equal(d.lease.finish(origin('x', null, {}, 500)).staleFallback, false);
  });

  test('a forget while PHP renders: the response is MISS and not stored', async () => {
    const { cache } = setup();
    const d = asMiss(await decide(cache, req('/r')));
    cache.forgetTags(['posts']); // a model saved during rendering
    const out = d.lease.finish(origin('rendered from old data', '60, tags=posts'));
    assert.equal(out.xCache, 'MISS');
    assert.equal(out.reason, 'forgotten-while-rendering');
    assert.equal((await decide(cache, req('/r'))).kind, 'miss');
  });

  test('Vary: each variant is its own entry; the marker routes lookups', async () => {
    const { cache } = setup();
    const en = { host: 'shop.test', 'accept-language': 'en' };
    const nb = { host: 'shop.test', 'accept-language': 'nb' };
    asMiss(await decide(cache, req('/v', { headers: en }))).lease.finish(origin('hello', '60', { vary: 'Accept-Language' }));
    const hit = await decide(cache, req('/v', { headers: en }));
    assert.equal(hit.kind, 'hit');
    assert.equal(hit.body.toString(), 'hello');
    assert.equal(hit.headers.vary, 'Accept-Language');
    asMiss(await decide(cache, req('/v', { headers: nb }))).lease.finish(origin('hei', '60', { vary: 'Accept-Language' }));
    const hitNb = await decide(cache, req('/v', { headers: nb }));
    assert.equal(hitNb.kind === 'hit' && hitNb.body.toString(), 'hei');
    assert.equal((await decide(cache, req('/v', { headers: en }))).kind, 'hit');
  });

  test('purge removes every variant of one URL; allQueries every query string of its path', async () => {
    const { cache } = setup();
    for (const lang of ['en', 'nb']) {
      const h = { host: 'shop.test', 'accept-language': lang };
      asMiss(await decide(cache, req('/p?x=1', { headers: h }))).lease.finish(origin(lang, '60', { vary: 'accept-language' }));
    }
    asMiss(await decide(cache, req('/p?x=2'))).lease.finish(origin('two'));
    asMiss(await decide(cache, req('/other'))).lease.finish(origin('other'));
    cache.purge('http://shop.test/p?x=1');
    for (const lang of ['en', 'nb']) {
      asMiss(await decide(cache, req('/p?x=1', { headers: { host: 'shop.test', 'accept-language': lang } }))).lease.abandon();
    }
    assert.equal((await decide(cache, req('/p?x=2'))).kind, 'hit');
    cache.purge('http://SHOP.test:80/p', { allQueries: true });
    assert.equal((await decide(cache, req('/p?x=2'))).kind, 'miss');
    assert.equal((await decide(cache, req('/other'))).kind, 'hit');
    assert.throws(() => cache.purge('/relative'), { code: 'ASKR_ERR_BAD_REQUEST' });
  });

  test('forgetTags rejects names no header could carry', () => {
    const { cache } = setup();
    assert.throws(() => cache.forgetTags(['a,b']), { code: 'ASKR_ERR_BAD_REQUEST' });
    assert.throws(() => cache.forgetTags(['']), { code: 'ASKR_ERR_BAD_REQUEST' });
  });

  test('coalescing: 50 concurrent misses run PHP once; the rest are HIT and counted', async () => {
    const { cache, registry } = setup();
    const pending = Array.from({ length: 50 }, () => cache.lookup(req('/hot')));
    const first = pending[0];
    assert.ok(first && !(first instanceof Promise) && first.kind === 'miss' && first.leader);
    assert.ok(pending.slice(1).every((p) => p instanceof Promise), 'followers wait');
    first.lease.finish(origin('hot page'));
    const rest = await Promise.all(pending.slice(1).map((p) => Promise.resolve(p)));
    for (const d of rest) {
      assert.equal(d.kind, 'hit');
      assert.equal(d.body.toString(), 'hot page');
      assert.equal(d.coalesced, true);
    }
    assert.equal(await counter(registry, 'askr_cache_coalesced_total'), 49);
  });

  test('coalescing: an unstorable leader response sends every follower to PHP', async () => {
    const { cache } = setup();
    const leader = asMiss(await decide(cache, req('/private')));
    const followers = Array.from({ length: 5 }, () => cache.lookup(req('/private')));
    leader.lease.finish(origin('no opt-in', null));
    for (const d of await Promise.all(followers.map((p) => Promise.resolve(p)))) {
      assert.equal(d.kind, 'miss');
      assert.equal(d.leader, false);
    }
  });

  test('coalescing: a leader that gives up releases its followers, and one leads next', async () => {
    const { cache } = setup();
    const leader = asMiss(await decide(cache, req('/slow')));
    const followers = Array.from({ length: 3 }, () => cache.lookup(req('/slow')));
    leader.lease.abandon();
    const next = asMiss(await followers[0]!);
    assert.equal(next.leader, true, 'the first follower takes over');
    next.lease.finish(origin('finally'));
    for (const d of await Promise.all(followers.slice(1).map((p) => Promise.resolve(p)))) {
      assert.equal(d.kind, 'hit');
      assert.equal(d.body.toString(), 'finally');
    }
  });

  test('a follower never waits past its own deadline', async () => {
    const { cache } = setup();
    const leader = asMiss(await decide(cache, req('/never')));
    const d = await cache.lookup(req('/never', { deadline: Date.now() + 50 }));
    assert.equal(d.kind, 'miss');
    assert.equal(d.leader, false);
    leader.lease.abandon();
  });

  test('with coalescing off, every miss runs PHP', async () => {
    const { cache } = setup({ coalesceWaitMs: 0 });
    const a = await decide(cache, req('/x'));
    const b = await decide(cache, req('/x'));
    assert.equal(a.kind, 'miss');
    assert.equal(b.kind, 'miss');
  });

  test('a coalescing table locked by another live process delays the claim instead of running PHP twice', async () => {
    const { cache, shm } = setup();
    // The parent process (alive, not us) holds the lock, as if descheduled inside it.
    Atomics.store(shm.store.views.meta, M.lock, process.ppid);
    const pending = cache.lookup(req('/locked'));
    assert.ok(pending instanceof Promise, 'the claim waits for the lock');
    Atomics.store(shm.store.views.meta, M.lock, 0);
    const d = await pending;
    assert.ok(d.kind === 'miss' && d.leader, 'then it leads');
    const follower = cache.lookup(req('/locked'));
    d.lease.finish(origin('once'));
    assert.equal((await follower).kind, 'hit');
  });

  test('a table lock that stays held (a stopped process) delays a miss only briefly, then PHP runs', async () => {
    const { cache, shm, clock } = setup();
    Atomics.store(shm.store.views.meta, M.lock, process.ppid);
    // This suite's clock is manual: let it run while the claim retries.
    const tick = setInterval(() => {
      clock.t += 5;
    }, 1);
    try {
      // An hour-long deadline: only the short busy budget can end the wait in time.
      const d = await cache.lookup(req('/stuck', { deadline: clock.t + 3_600_000 }));
      assert.equal(d.kind, 'miss');
      assert.equal(d.leader, false, 'uncoordinated: nobody could lead');
    } finally {
      clearInterval(tick);
      Atomics.store(shm.store.views.meta, M.lock, 0);
    }
  });
});
