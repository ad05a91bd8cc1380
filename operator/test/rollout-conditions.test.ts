import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolloutConditions } from '../src/app/rollout-conditions.js';
import { findCondition } from '../src/controller/conditions.js';

const now = new Date('2026-03-01T12:00:00Z');
const status = (list: ReturnType<typeof rolloutConditions>, type: string): string => `${findCondition(list, type)?.status ?? '?'}/${findCondition(list, type)?.reason ?? '?'}`;

test('a Deployment that caught up with every pod ready is Ready and not Progressing', () => {
  const c = rolloutConditions(undefined, {
    wanted: 3, generation: 4, deploymentGeneration: 7, now,
    deployment: { observedGeneration: 7, replicas: 3, readyReplicas: 3, updatedReplicas: 3, availableReplicas: 3 },
  });
  assert.equal(status(c, 'Ready'), 'True/PodsReady');
  assert.equal(status(c, 'Progressing'), 'False/Stable');
  assert.equal(status(c, 'Degraded'), 'False/AsExpected');
  assert.ok(c.every((x) => x.observedGeneration === 4));
});

test('a rollout in progress, a scale change and a stuck rollout', () => {
  const rolling = rolloutConditions(undefined, {
    wanted: 3, generation: 5, deploymentGeneration: 8, now,
    deployment: { observedGeneration: 8, replicas: 4, readyReplicas: 3, updatedReplicas: 1, unavailableReplicas: 1 },
  });
  assert.equal(status(rolling, 'Ready'), 'False/PodsNotReady');
  assert.equal(status(rolling, 'Progressing'), 'True/RollingOut');
  const scaling = rolloutConditions(undefined, {
    wanted: 5, generation: 5, deploymentGeneration: 9, now,
    deployment: { observedGeneration: 9, replicas: 3, readyReplicas: 3, updatedReplicas: 5 },
  });
  assert.equal(status(scaling, 'Progressing'), 'True/Scaling');
  const stuck = rolloutConditions(undefined, {
    wanted: 2, generation: 1, deploymentGeneration: 1, now,
    deployment: { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "x" has timed out progressing.' }] },
  });
  assert.equal(status(stuck, 'Degraded'), 'True/ProgressDeadlineExceeded');
  assert.match(findCondition(stuck, 'Degraded')?.message ?? '', /timed out/);
});

test('a Deployment the controller has not seen yet is not Ready; zero replicas says so', () => {
  const fresh = rolloutConditions(undefined, { wanted: 1, generation: 1, deploymentGeneration: 1, now, deployment: undefined });
  assert.equal(status(fresh, 'Ready'), 'False/PodsNotReady');
  assert.equal(status(fresh, 'Progressing'), 'True/RollingOut');
  const zero = rolloutConditions(undefined, { wanted: 0, generation: 1, deploymentGeneration: 1, now, deployment: { observedGeneration: 1 } });
  assert.equal(status(zero, 'Ready'), 'False/ScaledToZero');
});
