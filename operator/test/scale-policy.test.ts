import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuantity } from '../src/kube/quantity.js';
import { scalePolicy } from '../src/scaling/scale-policy.js';
import { app } from './fixtures.js';

test('parseQuantity reads Kubernetes quantities', () => {
  assert.equal(parseQuantity('512Mi'), 512 * 2 ** 20);
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('250m'), 0.25);
  assert.equal(parseQuantity('1.5'), 1.5);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity(2048), 2048);
  assert.equal(parseQuantity('12Qi'), undefined);
  assert.equal(parseQuantity(undefined), undefined);
});

test('the policy mirrors the spec in the decision\'s units', () => {
  const p = scalePolicy(app({ image: 'x', replicas: { min: 2, max: 6, count: 3 }, scaling: { targetBusyPercent: 80, scaleDownWindowSeconds: 60 } }).spec);
  assert.equal(p.replicasMin, 2);
  assert.equal(p.replicasMax, 6);
  assert.equal(p.replicasFixed, 3);
  assert.equal(p.target, 0.8);
  assert.equal(p.tolerance, 0.1);
  assert.equal(p.downWindowMs, 60_000);
  assert.equal(p.upWindowMs, 30_000);
  assert.equal(p.workersMax, 16);
  assert.equal(p.memoryBound, false);
});

test('the memory limit caps the ceiling at limit / maxMemory − 1 (the template counts as one)', () => {
  const p = scalePolicy(app({ image: 'x', workers: { max: 32, maxMemoryMB: 128 }, resources: { app: { limits: { memory: '1Gi' } } } }).spec);
  assert.equal(p.workersMax, 7);
  assert.equal(p.memoryBound, true);
  const roomy = scalePolicy(app({ image: 'x', workers: { max: 4, maxMemoryMB: 128 }, resources: { app: { limits: { memory: '8Gi' } } } }).spec);
  assert.equal(roomy.workersMax, 4);
  assert.equal(roomy.memoryBound, false);
  const tiny = scalePolicy(app({ image: 'x', workers: { min: 3, max: 8 }, resources: { app: { limits: { memory: '256Mi' } } } }).spec);
  assert.equal(tiny.workersMax, 3, 'never below workers.min');
});
