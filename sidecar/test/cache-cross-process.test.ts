// Several real Node processes share one mapped file. Property: once
// askr_cache_forget_tag has returned in any process, no process ever serves
// content rendered before it. And: SIGKILLing writers at random instants never
// leaves the store corrupt.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRegions, CACHE_REGION } from '../src/cache/cache-layout.js';
import type { CacheDecision } from '../src/cache/cache-decision.js';
import type { FrontBus } from '../src/ipc/front-bus.js';
import { ResponseCache } from '../src/cache/response-cache.js';
import { ShmCache } from '../src/cache/shm-cache.js';
import { ShmStore } from '../src/cache/shm-store.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const TAGS = 6;
const KEYS = 24;
const me = fileURLToPath(import.meta.url);

function regions() {
  return [...cacheRegions({ responseCache: 2 }), { name: 'truth', size: 4096, version: 1 }];
}

/**
 * The tags of key i: two of six busy tags, so keys share tags in many
 * combinations; the last eight keys carry one of two quiet tags instead, which
 * are forgotten rarely, so their entries live long enough to go stale (swr).
 */
function tagsOf(i: number): number[] {
  if (i >= KEYS - 8) return [TAGS + (i % 2)];
  return [...new Set([i % TAGS, (i * 7 + 3) % TAGS])];
}

/** A FrontBus over the fork IPC channel: the parent relays to every other child. */
class IpcBus implements FrontBus {
  readonly procIndex: number;
  readonly procs: number;
  private readonly handlers = new Map<string, Set<(p: unknown, from: number) => void>>();
  constructor(procIndex: number, procs: number) {
    this.procIndex = procIndex;
    this.procs = procs;
    process.on('message', (m: { bus?: { topic: string; payload: unknown; from: number } }) => {
      if (m.bus) for (const h of this.handlers.get(m.bus.topic) ?? []) h(m.bus.payload, m.bus.from);
    });
  }
  publish(topic: string, payload: unknown): void {
    process.send?.({ bus: { topic, payload, from: this.procIndex } });
  }
  subscribe(topic: string, handler: (p: unknown, from: number) => void): () => void {
    const set = this.handlers.get(topic) ?? new Set();
    this.handlers.set(topic, set);
    set.add(handler);
    return () => set.delete(handler);
  }
}

async function hammer(): Promise<void> {
  const region = ShmRegion.open({ path: process.env.ASKR_CACHE_FILE ?? '', regions: regions(), stamp: 'x', mode: 'attach' });
  const truth = region.int32('truth');
  // truth[t]: commits to "the database" for tag t; truth[32 + t]: forgets of t that returned.
  const shm = ShmCache.fromRegion(region, { maxEntryBytes: 64 * 1024 });
  const procIndex = Number(process.env.ASKR_PROC_INDEX);
  const cache = new ResponseCache({ store: shm.store, flights: shm.flights, bus: new IpcBus(procIndex, 4), coalesceWaitMs: 2000, log: () => undefined });
  const until = Date.now() + Number(process.env.ASKR_RUN_MS);
  const stats = { hits: 0, stale: 0, misses: 0, forgets: 0, coalesced: 0, checked: 0 };
  let rnd = procIndex * 7919 + 1;
  const rand = (n: number) => {
    rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
    return (rnd >>> 8) % n;
  };
  const serve = async (): Promise<void> => {
    const i = rand(KEYS);
    const tags = tagsOf(i);
    const before = tags.map((t) => Atomics.load(truth, 32 + t));
    const d: CacheDecision = await cache.lookup({ method: 'GET', target: `/k/${i}`, headers: { host: 'x.test' }, deadline: Date.now() + 5000 });
    if (d.kind === 'hit' || d.kind === 'stale') {
      if (d.kind === 'hit') stats.hits++;
      else stats.stale++;
      if (d.kind === 'hit' && d.coalesced) stats.coalesced++;
      const seen = JSON.parse(d.body.toString()) as number[];
      tags.forEach((t, j) => {
        stats.checked++;
        if ((seen[j] ?? -1) < (before[j] ?? 0)) {
          process.send?.({ violation: `key ${i} tag ${t}: served content of version ${seen[j]} after forget #${before[j]} returned` });
        }
      });
      if (d.kind === 'stale' && d.refresh) {
        const fresh = tags.map((t) => Atomics.load(truth, t));
        d.refresh.finish({ status: 200, headers: { 'askr-cache': `1, swr=5, tags=${tags.map((t) => `t${t}`).join(',')}` }, body: Buffer.from(JSON.stringify(fresh)) });
      }
      return;
    }
    if (d.kind !== 'miss') throw new Error(`unexpected ${d.kind}`);
    stats.misses++;
    // "Render": read the database after the lease took its forget sequence, maybe slowly.
    const versions = tags.map((t) => Atomics.load(truth, t));
    if (rand(4) === 0) await new Promise((r) => setTimeout(r, rand(3)));
    d.lease.finish({ status: 200, headers: { 'askr-cache': `1, swr=5, tags=${tags.map((t) => `t${t}`).join(',')}` }, body: Buffer.from(JSON.stringify(versions)) });
  };
  let quietAt = Date.now() + 1500;
  const forget = (): void => {
    let t = rand(TAGS);
    if (procIndex === 0 && Date.now() >= quietAt) {
      quietAt = Date.now() + 1500;
      t = TAGS + rand(2);
    }
    Atomics.add(truth, t, 1); // the write commits first…
    cache.forgetTags([`t${t}`]); // …then the app forgets the tag
    Atomics.add(truth, 32 + t, 1); // and only now has the forget "returned"
    stats.forgets++;
  };
  while (Date.now() < until) {
    const batch: Promise<void>[] = [];
    for (let j = 0; j < 8; j++) {
      if (rand(10) === 0) forget();
      else batch.push(serve());
    }
    await Promise.all(batch);
  }
  process.send?.({ done: stats });
  cache.close();
  process.disconnect();
}

function writer(): void {
  const region = ShmRegion.open({ path: process.env.ASKR_CACHE_FILE ?? '', regions: regions(), stamp: 'x', mode: 'attach' });
  const store = new ShmStore(region.region(CACHE_REGION), { maxEntryBytes: 64 * 1024 });
  process.send?.({ ready: true });
  for (let i = 0; ; i++) {
    const k = `w${(i * 7919) % 500}`;
    const size = 500 + ((i * 131) % 20_000);
    store.put({ key: k, kind: 'response', status: 200, headers: {}, body: Buffer.alloc(size, k), tags: ['w'], storedAt: 0, freshUntil: 9e15, staleUntil: 9e15, errorUntil: 9e15, bornSeq: 0 }, Date.now());
    if (i % 17 === 0) store.delete(`w${(i * 31) % 500}`);
  }
}

function waitFor<T>(child: ChildProcess, pick: (m: Record<string, unknown>) => T | undefined, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`child ${child.pid} did not report within ${ms} ms`));
    }, ms);
    const onMessage = (m: Record<string, unknown>) => {
      const v = pick(m);
      if (v === undefined) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(v);
    };
    child.on('message', onMessage);
  });
}

if (process.env.ASKR_CACHE_CHILD === 'hammer') await hammer();
else if (process.env.ASKR_CACHE_CHILD === 'writer') writer();
else {
  const dir = mkdtempSync(join(tmpdir(), 'askr-xproc-'));
  const children = new Set<ChildProcess>();
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const spawnChild = (role: string, file: string, extra: Record<string, string> = {}): ChildProcess => {
    const c = fork(me, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ASKR_CACHE_CHILD: role, ASKR_CACHE_FILE: file, ...extra }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(c);
    c.once('exit', () => children.delete(c));
    return c;
  };

  describe('cross-process', () => {
    test('4 processes, shared keys and tags: a forgotten tag is never served afterwards, from any process', async () => {
      const file = join(dir, 'hammer.shm');
      const region = ShmRegion.open({ path: file, regions: regions(), stamp: 'x', mode: 'create' });
      const procs = Array.from({ length: 4 }, (_, i) => spawnChild('hammer', file, { ASKR_PROC_INDEX: String(i), ASKR_RUN_MS: '4000' }));
      const violations: string[] = [];
      for (const c of procs) {
        c.on('message', (m: { violation?: string; bus?: unknown }) => {
          if (m.violation) violations.push(m.violation);
          if (m.bus) {
            for (const o of procs) {
              // A child that finished has closed its channel: a late notice is just dropped.
              if (o !== c && o.connected) o.send(m, () => undefined);
            }
          }
        });
      }
      const totals = { hits: 0, stale: 0, misses: 0, forgets: 0, coalesced: 0, checked: 0 };
      const results = await Promise.all(procs.map((c) => waitFor(c, (m) => m.done as typeof totals | undefined, 100_000)));
      for (const r of results) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r[k];
      t_diag(`totals ${JSON.stringify(totals)}`);
      assert.deepEqual(violations.slice(0, 5), []);
      assert.ok(totals.forgets > 100 && totals.hits > 1000 && totals.misses > 100 && totals.stale > 10, JSON.stringify(totals));
      assert.ok(totals.checked > 1000);
      const store = ShmCache.fromRegion(region, { maxEntryBytes: 64 * 1024 }).store;
      assert.deepEqual(store.verify(), []);
    });

    test('writers SIGKILLed at random instants never leave the store corrupt', async () => {
      const file = join(dir, 'chaos.shm');
      const region = ShmRegion.open({ path: file, regions: regions(), stamp: 'x', mode: 'create' });
      const store = new ShmStore(region.region(CACHE_REGION), { maxEntryBytes: 64 * 1024 });
      let rnd = 12345;
      const next = (n: number) => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) % n;
      // Rounds of three concurrent writers, each killed at its own random instant.
      for (let round = 0; round < 4; round++) {
        const writers = [0, 1, 2].map(() => spawnChild('writer', file));
        await Promise.all(writers.map((w) => waitFor(w, (m) => m.ready as boolean | undefined, 90_000)));
        const killAt = writers.map(() => Date.now() + 20 + next(200));
        const exits = writers.map((w) => new Promise((r) => w.once('exit', r)));
        while (writers.some((w) => w.exitCode === null && w.signalCode === null)) {
          // Read while they write: every entry served must be whole.
          for (let i = 0; i < 50; i++) {
            const k = `w${i * 10}`;
            const e = store.get(k, Date.now());
            if (e) assert.ok(e.body.equals(Buffer.alloc(e.body.length, k)), `${k} came back torn`);
          }
          writers.forEach((w, i) => {
            if (Date.now() >= (killAt[i] ?? 0) && w.signalCode === null) w.kill('SIGKILL');
          });
          await new Promise((r) => setImmediate(r));
        }
        await Promise.all(exits);
      }
      // The next write repairs whatever a kill left behind.
      assert.equal(store.put({ key: 'final', kind: 'response', status: 200, headers: {}, body: Buffer.from('ok'), tags: [], storedAt: 0, freshUntil: 9e15, staleUntil: 9e15, errorUntil: 9e15, bornSeq: 0 }, Date.now()), 'stored');
      assert.deepEqual(store.verify(), []);
      t_diag(`repairs after kills: ${store.repairs()}, entries ${store.stats().entries}`);
    });
  });
}

function t_diag(msg: string): void {
  process.stdout.write(`# ${msg}\n`);
}
