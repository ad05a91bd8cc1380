import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCondition, microTime, rfc3339, setCondition } from '../src/controller/conditions.js';

const t0 = new Date('2026-01-02T03:04:05.678Z');
const t1 = new Date('2026-01-02T04:00:00.000Z');

test('lastTransitionTime moves only when the status flips', () => {
  let list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'PodsNotReady', message: '0/2' }, t0);
  assert.equal(findCondition(list, 'Ready')?.lastTransitionTime, '2026-01-02T03:04:05Z');
  list = setCondition(list, { type: 'Ready', status: 'False', reason: 'PodsNotReady', message: '1/2' }, t1);
  assert.equal(findCondition(list, 'Ready')?.lastTransitionTime, '2026-01-02T03:04:05Z', 'a new message is not a transition');
  assert.equal(findCondition(list, 'Ready')?.message, '1/2');
  list = setCondition(list, { type: 'Ready', status: 'True', reason: 'PodsReady', message: '2/2' }, t1);
  assert.equal(findCondition(list, 'Ready')?.lastTransitionTime, '2026-01-02T04:00:00Z');
});

test('types keep their order, new ones are appended, the input is not modified', () => {
  const a = setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: '' }, t0);
  const b = setCondition(a, { type: 'Degraded', status: 'False', reason: 'R', message: '' }, t0);
  const c = setCondition(b, { type: 'Ready', status: 'False', reason: 'R', message: '' }, t1);
  assert.deepEqual(c.map((x) => x.type), ['Ready', 'Degraded']);
  assert.equal(b[0]?.status, 'True');
});

test('Kubernetes time formats', () => {
  assert.equal(rfc3339(t0), '2026-01-02T03:04:05Z');
  assert.equal(microTime(t0), '2026-01-02T03:04:05.678000Z');
});
