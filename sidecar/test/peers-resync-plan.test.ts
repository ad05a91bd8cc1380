// The resynchronisation decision and deduplication of peer streams (pure).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, planLog, planRing } from '../src/peers/resync-plan.js';

describe('planRing: subscriptions', () => {
  test('no cursor: the state', () => {
    assert.deepEqual(planRing(null, 1, 10), { kind: 'state' });
  });
  test('a cursor the ring still covers: replay exactly what was missed', () => {
    assert.deepEqual(planRing(4, 1, 10), { kind: 'replay', after: 4 });
    assert.deepEqual(planRing(4, 5, 10), { kind: 'replay', after: 4 }, 'the oldest record held is the first one missed');
    assert.deepEqual(planRing(10, 7, 10), { kind: 'replay', after: 10 }, 'up to date');
  });
  test('a cursor the ring has overwritten: the state', () => {
    assert.deepEqual(planRing(4, 6, 10), { kind: 'state' });
    assert.deepEqual(planRing(4, 0, 10), { kind: 'state' }, 'the ring holds nothing');
  });
  test('a cursor beyond the head belongs to another life of the ring: the state', () => {
    assert.deepEqual(planRing(12, 1, 10), { kind: 'state' });
  });
});

describe('planLog: tag invalidations', () => {
  test('a new receiver gets the whole log while it still starts at 1: nothing is lost and its cache is kept', () => {
    assert.deepEqual(planLog(null, 1, 50), { kind: 'replay', after: 0 });
    assert.deepEqual(planLog(null, 0, 0), { kind: 'replay', after: 0 }, 'an empty log');
  });
  test('a new receiver of a log that has wrapped must forget everything', () => {
    assert.deepEqual(planLog(null, 9, 50), { kind: 'all', upTo: 50 });
  });
  test('a receiver whose cursor is covered catches up exactly', () => {
    assert.deepEqual(planLog(20, 9, 50), { kind: 'replay', after: 20 });
    assert.deepEqual(planLog(50, 40, 50), { kind: 'replay', after: 50 });
  });
  test('a cursor the log no longer reaches back to: forget all (a forgotten tag is never served fresh)', () => {
    assert.deepEqual(planLog(20, 22, 50), { kind: 'all', upTo: 50 });
  });
  test('a cursor from another life of the log (beyond its head): forget all', () => {
    assert.deepEqual(planLog(80, 1, 50), { kind: 'all', upTo: 50 });
  });
});

describe('admit: exactly once', () => {
  test('a sequence at or below the last applied is a duplicate', () => {
    assert.equal(admit(5, 5, false), 'duplicate');
    assert.equal(admit(5, 3, true), 'duplicate');
  });
  test('the ring stream interleaves other pods: jumps are normal', () => {
    assert.equal(admit(5, 9, false), 'apply');
  });
  test('the forget log is gap-free: a jump is a lost invalidation, never skipped', () => {
    assert.equal(admit(5, 6, true), 'apply');
    assert.equal(admit(5, 7, true), 'gap');
    assert.equal(admit(0, 1, true), 'apply');
  });
});
