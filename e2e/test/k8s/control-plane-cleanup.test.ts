import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { controlPlaneAvailable } from '../../src/k8s/control-plane.js';
import { HarnessRun, harnessBaseDir, ipSync, leaseDir, markedProcesses, ownerEnvVar } from '../../src/k8s/harness-run.js';
import { onceWithin, waitFor } from '../../src/k8s/wait-for.js';
import { holdFixture } from './held-fixture.js';

const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';
const fixture = fileURLToPath(new URL('fixtures/hold-control-plane.ts', import.meta.url));

interface Held {
  child: ChildProcess;
  runId: string;
  dir: string;
}

/** Starts a control plane in a child test process and waits until it reports ready. */
async function holdControlPlane(): Promise<Held> {
  const { child, report } = await holdFixture<{ runId: string; dir: string }>(fixture, 'the held control plane to report ready');
  return { child, ...report };
}

const processesOf = (runId: string): number[] => markedProcesses().filter((p) => p.owner === runId).map((p) => p.pid);
const leasesOf = (runId: string): string[] => {
  const out = spawnSync('grep', ['-rlx', runId, leaseDir], { encoding: 'utf8' });
  return out.stdout.split('\n').filter((l) => l !== '');
};

describe('control plane cleanup', { skip }, () => {
  // This process's own run exists first, so reaping below is explicit, not a side effect of creating it.
  let self: HarnessRun;
  before(() => {
    self = HarnessRun.current();
  });

  it('stops etcd and kube-apiserver and removes its files when the test process gets SIGTERM', async () => {
    const held = await holdControlPlane();
    assert.ok(processesOf(held.runId).length >= 2, 'etcd and kube-apiserver run, marked with the run id');
    assert.equal(leasesOf(held.runId).length, 1, 'the pod subnet is leased');
    held.child.kill('SIGTERM');
    const [, signal] = (await onceWithin(held.child, 'exit', 60_000, 'the held control plane to exit after SIGTERM')) as [number | null, string | null];
    assert.equal(signal, 'SIGTERM');
    await waitFor('the control-plane processes to be gone', { timeoutMs: 10_000 }, () => processesOf(held.runId).length === 0);
    assert.equal(existsSync(held.dir), false, 'run directory removed');
    assert.deepEqual(leasesOf(held.runId), []);
  });

  it('leaves no process behind when the test process is SIGKILLed, and the next run reaps its files', async () => {
    const held = await holdControlPlane();
    held.child.kill('SIGKILL');
    await onceWithin(held.child, 'exit', 10_000, 'the held control plane to exit after SIGKILL');
    // The kernel delivers the parent-death signal to every process the harness started.
    await waitFor('the orphaned control-plane processes to be killed', { timeoutMs: 10_000 }, () => processesOf(held.runId).length === 0);
    assert.equal(existsSync(held.dir), true, 'a killed process cannot clean up its files');
    const reaped = HarnessRun.reapStale(self.id);
    assert.ok(reaped.includes(held.runId));
    assert.equal(existsSync(held.dir), false);
    assert.deepEqual(leasesOf(held.runId), []);
  });

  it('reaps namespaces, links, processes and files a crashed run left behind', { skip: process.getuid?.() === 0 ? false : 'needs root for ip netns' }, async () => {
    // A run id whose process is certainly gone: a real pid with an impossible start time.
    const deadId = `${process.pid}-1`;
    const tag = Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, '0');
    const netns = `askr-e2e-${deadId}-0`;
    const veth = `askrt${tag}`;
    const bridge = `askrtb${tag}`;
    after(() => {
      ipSync(['link', 'del', veth]);
      ipSync(['link', 'del', bridge]);
      ipSync(['netns', 'del', netns]);
    });
    assert.equal(spawnSync('ip', ['netns', 'add', netns]).status, 0);
    assert.equal(spawnSync('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`, 'netns', netns]).status, 0);
    assert.equal(spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']).status, 0);
    for (const l of [veth, bridge]) spawnSync('ip', ['link', 'set', l, 'alias', `askr-e2e:${deadId}`]);
    const dir = join(harnessBaseDir, deadId);
    mkdirSync(dir, { recursive: true });
    mkdirSync(leaseDir, { recursive: true });
    writeFileSync(join(leaseDir, `subnet-test-${tag}`), deadId);
    const shm = `/dev/shm/askr-e2e-k8s-${deadId}`;
    mkdirSync(shm, { recursive: true });
    const sleeper = spawn('sleep', ['60'], { env: { ...process.env, [ownerEnvVar]: deadId }, stdio: 'ignore' });
    after(() => sleeper.kill('SIGKILL'));

    const reaped = HarnessRun.reapStale(self.id);
    assert.ok(reaped.includes(deadId));
    const [, signal] = (await onceWithin(sleeper, 'exit', 10_000, 'the orphaned sleeper to be killed by the reaper')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL');
    assert.equal(ipSync(['netns', 'list']).includes(netns), false, 'netns removed');
    assert.equal(spawnSync('ip', ['link', 'show', veth]).status, 1, 'veth removed');
    assert.equal(spawnSync('ip', ['link', 'show', bridge]).status, 1, 'bridge removed');
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(shm), false);
    assert.equal(existsSync(join(leaseDir, `subnet-test-${tag}`)), false);
  });
});
