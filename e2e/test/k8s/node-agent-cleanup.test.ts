import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HarnessRun, ipSync, markedProcesses } from '../../src/k8s/harness-run.js';
import { clusterSkipReason } from '../../src/k8s/test-cluster.js';
import { waitFor } from '../../src/k8s/wait-for.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/hold-node-agent.ts', import.meta.url));

/** Starts a cluster with a running pod in a child test process; resolves with its run id once the pod is ready. */
async function holdNodeAgent(): Promise<{ child: ChildProcessByStdio<null, Readable, null>; runId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const [line] = (await once(lines, 'line')) as [string];
  clearTimeout(timer);
  lines.close();
  return { child, runId: (JSON.parse(line) as { runId: string }).runId };
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
    // etcd, kube-apiserver, kube-controller-manager, the container and the child it forked.
    assert.ok(processesOf(held.runId).length >= 5);
    assert.ok(netnsOf(held.runId) && linksOf(held.runId), 'the pod has a network namespace and a veth');
    held.child.kill('SIGTERM');
    await once(held.child, 'exit');
    await waitFor('every process of the run to be gone', { timeoutMs: 10_000 }, () => processesOf(held.runId).length === 0);
    assert.equal(netnsOf(held.runId), false);
    assert.equal(linksOf(held.runId), false);
  });

  it('after SIGKILL, the kernel stops the containers and the next run reaps orphans, namespaces and links', async () => {
    const held = await holdNodeAgent();
    held.child.kill('SIGKILL');
    await once(held.child, 'exit');
    // The containers' main processes die with their parent; what they forked lives on until reaped.
    await waitFor('the control plane and containers to die', { timeoutMs: 10_000 }, () => processesOf(held.runId).length <= 1);
    assert.ok(netnsOf(held.runId) && linksOf(held.runId), 'a killed process cannot clean up its network');
    assert.ok(HarnessRun.reapStale(self.id).includes(held.runId));
    await waitFor('the orphans to be reaped', { timeoutMs: 10_000 }, () => processesOf(held.runId).length === 0);
    assert.equal(netnsOf(held.runId), false);
    assert.equal(linksOf(held.runId), false);
  });
});
