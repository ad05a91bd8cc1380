import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BroadcastRing } from '../src/broadcast/broadcast-ring.js';
import { RING_HEADER_SIZE } from '../src/broadcast/broadcast-regions.js';
import { ProcTable } from '../src/broadcast/proc-table.js';

const CAP = 65536;
const region = (): Buffer => Buffer.alloc(RING_HEADER_SIZE + CAP);
const text = (e: { payload: Buffer }): string => e.payload.toString();

test('records come back in order with gap-free sequence numbers, to every reader', () => {
  const r = region();
  const writer = new BroadcastRing(r, CAP);
  const other = new BroadcastRing(r, CAP);
  assert.equal(other.ringId, writer.ringId, 'a second mapping sees the same ring');
  const a = writer.cursorAtHead();
  const b = other.cursorAtHead();
  for (let i = 1; i <= 5; i++) assert.equal(writer.append(Buffer.from(`r${i}`)), i);
  assert.deepEqual(writer.read(a).map(text), ['r1', 'r2', 'r3', 'r4', 'r5']);
  assert.deepEqual(other.read(b).map((e) => e.seq), [1, 2, 3, 4, 5]);
  assert.deepEqual(other.read(b), [], 'nothing new');
});

test('wrapping around the end keeps records whole', () => {
  const ring = new BroadcastRing(region(), CAP);
  const cur = ring.cursorAtHead();
  const sizes: number[] = [];
  for (let i = 0; i < 400; i++) {
    const size = 1 + ((i * 7919) % 1500);
    sizes.push(size);
    ring.append(Buffer.alloc(size, i % 251));
    if (i % 10 === 9) {
      const got = ring.read(cur);
      assert.equal(got.length, 10);
      got.forEach((e, j) => {
        const k = i - 9 + j;
        assert.equal(e.payload.length, sizes[k]);
        assert.ok(e.payload.every((x) => x === k % 251));
      });
    }
  }
  assert.ok(ring.head() > 3 * CAP, 'lapped the ring several times');
  assert.equal(cur.lost, 0);
});

test('a reader that fell a whole ring behind skips to the oldest record and counts the loss', () => {
  const ring = new BroadcastRing(region(), CAP);
  const slow = ring.cursorAtHead();
  for (let i = 1; i <= 200; i++) ring.append(Buffer.alloc(1000, 1));
  const got = ring.read(slow);
  assert.ok(got.length > 0 && got.length < 200);
  assert.equal(got.at(-1)?.seq, 200);
  assert.equal(slow.lost, 200 - got.length);
  assert.equal(got[0]?.seq, 200 - got.length + 1, 'contiguous from the oldest retained');
});

test('cursorAtTail replays what the ring still holds', () => {
  const ring = new BroadcastRing(region(), CAP);
  for (let i = 1; i <= 3; i++) ring.append(Buffer.from(String(i)));
  assert.deepEqual(ring.read(ring.cursorAtTail()).map(text), ['1', '2', '3']);
});

test('a record larger than a quarter of the ring is refused', () => {
  const ring = new BroadcastRing(region(), CAP);
  assert.throws(() => ring.append(Buffer.alloc(CAP / 2)), RangeError);
});

test('the append lock is taken over from a dead owner, and only then', () => {
  const r = region();
  const dead = 999_999;
  const ring = new BroadcastRing(r, CAP, { isAlive: (pid) => pid !== dead });
  const words = new Int32Array(r.buffer, r.byteOffset, 16);
  Atomics.store(words, 1, dead);
  assert.equal(ring.append(Buffer.from('x')), 1);
  assert.equal(ring.lock.broken, 1);
  assert.equal(ring.lock.holder(), 0, 'released after the append');
  const stuck = new BroadcastRing(r, CAP, { isAlive: () => true });
  Atomics.store(words, 1, 12345);
  (stuck.lock as unknown as { timeoutMs: number }).timeoutMs = 50;
  assert.throws(() => stuck.append(Buffer.from('y')), /held by live pid 12345/);
});

test('the process table reports a dead process once', () => {
  const r = region();
  const alive = new Set([1, 2]);
  const table = new ProcTable(r, (pid) => alive.has(pid));
  assert.equal(table.claim(0, 1, 0).incarnation, 1);
  assert.equal(table.claim(1, 2, 0).incarnation, 1);
  const again = table.claim(1, 2, 0);
  assert.equal(again.incarnation, 2);
  assert.equal(again.previous?.incarnation, 1);
  alive.delete(2);
  assert.deepEqual(table.sweep(0).map((s) => [s.procIndex, s.incarnation]), [[1, 2]]);
  assert.deepEqual(table.sweep(0), []);
  assert.deepEqual(table.live().map((s) => s.procIndex), [0]);
});
