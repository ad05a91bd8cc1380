import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../src/controller/logger.js';
import { WorkQueue } from '../src/controller/work-queue.js';

/** Resolves when `cond()` holds, polling; fails after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a key added many times while waiting is processed once', async (t) => {
  const seen: string[] = [];
  const q = new WorkQueue({ log: silentLogger, process: (k) => { seen.push(k); return Promise.resolve(); } });
  t.after(() => q.stop());
  q.add('a'); q.add('a'); q.add('b'); q.add('a');
  q.start();
  await q.idle();
  assert.deepEqual(seen, ['a', 'b']);
});

test('a key is never processed twice at once; an add during processing runs it again after', async (t) => {
  let running = 0;
  let maxRunning = 0;
  let passes = 0;
  let release: () => void = () => undefined;
  const q = new WorkQueue({
    log: silentLogger, concurrency: 4,
    process: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      passes++;
      if (passes === 1) await new Promise<void>((r) => { release = r; });
      running--;
    },
  });
  t.after(() => q.stop());
  q.start();
  q.add('a');
  await until(() => passes === 1);
  q.add('a');
  q.add('a');
  assert.equal(passes, 1, 'the second add waits for the first pass');
  release();
  await until(() => passes === 2);
  await q.idle();
  assert.equal(passes, 2, 'adds during a pass fold into one more pass');
  assert.equal(maxRunning, 1);
});

test('different keys run in parallel up to the concurrency', async (t) => {
  let running = 0;
  let maxRunning = 0;
  const gates: (() => void)[] = [];
  const q = new WorkQueue({
    log: silentLogger, concurrency: 2,
    process: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
    },
  });
  t.after(() => q.stop());
  q.start();
  for (const k of ['a', 'b', 'c', 'd']) q.add(k);
  await until(() => gates.length === 2);
  assert.equal(running, 2);
  const pending = (): number => gates.length + running;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && pending() > 0) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await q.idle();
  assert.equal(maxRunning, 2);
});

test('retries back off exponentially per key, are capped, and reset on forget', () => {
  const q = new WorkQueue({ log: silentLogger, process: () => Promise.resolve(), baseDelayMs: 100, maxDelayMs: 1000, qps: 1e6, burst: 1e6 });
  const delays = Array.from({ length: 6 }, () => q.addRateLimited('a'));
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.equal(q.retries('a'), 6);
  assert.equal(q.addRateLimited('b'), 100, 'keys back off independently');
  q.forget('a');
  assert.equal(q.addRateLimited('a'), 100);
  void q.stop();
});

test('retries as a whole are held to the token bucket', () => {
  let now = 0;
  const q = new WorkQueue({ log: silentLogger, process: () => Promise.resolve(), baseDelayMs: 1, qps: 2, burst: 2, now: () => now });
  assert.equal(q.addRateLimited('a'), 1);
  assert.equal(q.addRateLimited('b'), 1);
  assert.equal(q.addRateLimited('c'), 500, 'bucket empty: the third retry waits for a token at 2/s');
  assert.equal(q.addRateLimited('d'), 1000);
  now = 10_000;
  assert.equal(q.addRateLimited('e'), 1, 'the bucket refills over time');
  void q.stop();
});

test('addAfter keeps the earliest pending delay and stop cancels it', async (t) => {
  const seen: number[] = [];
  const start = Date.now();
  const q = new WorkQueue({ log: silentLogger, process: () => { seen.push(Date.now() - start); return Promise.resolve(); } });
  t.after(() => q.stop());
  q.start();
  q.addAfter('a', 60_000);
  q.addAfter('a', 20);
  q.addAfter('a', 30_000);
  await until(() => seen.length === 1);
  assert.ok((seen[0] ?? 0) < 30_000);
  q.addAfter('b', 60_000);
  await q.stop();
  assert.equal(seen.length, 1);
});
