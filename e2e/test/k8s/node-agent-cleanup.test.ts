import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HarnessRun, ipSync, markedProcesses } from '../../src/k8s/harness-run.js';
import { clusterSkipReason } from '../../src/k8s/test-cluster.js';
import { onceWithin, waitFor } from '../../src/k8s/wait-for.js';
import { holdFixture, type HeldFixture } from './held-fixture.js';

const fixture = fileURLToPath(new URL('fixtures/hold-node-agent.ts', import.meta.url));

/** Starts a cluster with a running pod in a child test process; resolves with its run id once the pod is ready. */
async function holdNodeAgent(): Promise<{ child: HeldFixture<unknown>['child']; runId: string }> {
  const { child, report } = await holdFixture<{ runId: string }>(fixture, 'the held cluster to report its pod ready');
  return { child, runId: report.runId };
}

const processesOf = (runId: string): number[] => markedProcesses().filter((p) => p.owner === runId).map((p) => p.pid);
const netnsOf = (runId: string): boolean => ipSync(['netns', 'list']).includes(`askr-e2e-${runId}-`);
const linksOf = (runId: string): boolean => ipSync(['link', 'show']).includes(`askr-e2e:${runId}`);

describe('node agent cleanup', { skip: clusterSkipReason() }, () => {
  let self: HarnessRun;
  before(() => {
    self = HarnessRun.current();
  });

  it('removes pod processes (forked children too), namespaces, veths and the bridge when the test process gets SIGTERM', async () => {
    const held = await holdNodeAgent();
    // etcd, kube-apiserver, kube-controller-manager, the container and the child it forked. The pod
    // (no readiness probe) is ready once its container starts, possibly before `sh` has forked.
    await waitFor('5 processes marked with the run id (control plane, container, its forked child)', { timeoutMs: 10_000 }, () => processesOf(held.runId).length >= 5);
    assert.ok(netnsOf(held.runId) && linksOf(held.runId), 'the pod has a network namespace and a veth');
    held.child.kill('SIGTERM');
    await onceWithin(held.child, 'exit', 60_000, 'the held cluster to exit after SIGTERM');
    await waitFor('every process of the run to be gone', { timeoutMs: 10_000 }, () => processesOf(held.runId).length === 0);
    assert.equal(netnsOf(held.runId), false);
    assert.equal(linksOf(held.runId), false);
  });

  it('after SIGKILL, the kernel stops the containers and the next run reaps orphans, namespaces and links', async () => {
    const held = await holdNodeAgent();
    held.child.kill('SIGKILL');
    await onceWithin(held.child, 'exit', 10_000, 'the held cluster to exit after SIGKILL');
    // The containers' main processes die with their parent; what they forked lives on until reaped.
    await waitFor('the control plane and containers to die', { timeoutMs: 10_000 }, () => processesOf(held.runId).length <= 1);
    assert.ok(netnsOf(held.runId) && linksOf(held.runId), 'a killed process cannot clean up its network');
    assert.ok(HarnessRun.reapStale(self.id).includes(held.runId));
    await waitFor('the orphans to be reaped', { timeoutMs: 10_000 }, () => processesOf(held.runId).length === 0);
    assert.equal(netnsOf(held.runId), false);
    assert.equal(linksOf(held.runId), false);
  });
});
