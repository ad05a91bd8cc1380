import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../src/controller/backoff.js';
import { KeyLock } from '../src/controller/key-lock.js';

test('KeyLock runs work on one key in order, other keys freely, and survives a failure', async () => {
  const lock = new KeyLock();
  const order: string[] = [];
  let release: () => void = () => undefined;
  const first = lock.run('a', async () => { order.push('a1 start'); await new Promise<void>((r) => { release = r; }); order.push('a1 end'); });
  const failing = lock.run('a', () => { order.push('a2'); return Promise.reject(new Error('boom')); });
  const third = lock.run('a', () => { order.push('a3'); return Promise.resolve(3); });
  await lock.run('b', () => { order.push('b'); return Promise.resolve(); });
  release();
  await first;
  await assert.rejects(failing, /boom/);
  assert.equal(await third, 3);
  assert.deepEqual(order, ['a1 start', 'b', 'a1 end', 'a2', 'a3']);
});

test('Backoff doubles to its cap with jitter in [base/2, base] and resets', () => {
  const low = new Backoff(100, 1000, () => 0);
  assert.deepEqual([low.next(), low.next(), low.next(), low.next(), low.next()], [50, 100, 200, 400, 500]);
  const high = new Backoff(100, 1000, () => 0.999999);
  assert.deepEqual([high.next(), high.next(), high.next(), high.next(), high.next()], [100, 200, 400, 800, 1000]);
  high.reset();
  assert.equal(high.next(), 100);
});
