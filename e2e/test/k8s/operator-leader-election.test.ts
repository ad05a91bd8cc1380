import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeaderElection } from '../../../operator/src/controller/leader-election.js';
import { Operator } from '../../../operator/src/controller/operator.js';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import type { KubeClient } from '../../../operator/src/kube/kube-client.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { controlPlaneAvailable } from '../../src/k8s/control-plane.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { createApp, createNamespace, startOperatorCluster, testLogger } from './operator-support.js';
import type { OperatorCluster } from './operator-support.js';

const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';

interface Lease extends KubeObject {
  spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number; renewTime?: string };
}

describe('leader election on a Lease', { skip }, () => {
  let cluster: OperatorCluster;
  let client: KubeClient;
  const ns = 'askr-system';
  const running: { stop(): Promise<void> }[] = [];

  before(async () => {
    cluster = await startOperatorCluster({ controllerManager: false });
    client = cluster.client;
    await createNamespace(client, ns);
  });
  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await cluster.stop();
  });

  const lease = (name: string): Promise<Lease | undefined> => client.get<Lease>(resourceTypes.leases, ns, name);
  const elector = (name: string, identity: string): LeaderElection => {
    const e = new LeaderElection({ client, log: testLogger(), name, namespace: ns, identity, leaseDurationSeconds: 2, renewDeadlineMs: 1500, retryPeriodMs: 200 });
    running.push(e);
    return e;
  };

  it('one replica holds the Lease; on release the other takes over', async () => {
    const a = elector('le-1', 'a');
    const b = elector('le-1', 'b');
    assert.equal(await a.run(() => undefined), true);
    let bLeads = false;
    const bRun = b.run(() => undefined).then((won) => { bLeads = won; });
    // b keeps trying while a renews: across several renewals (more than a lease duration) the holder stays a.
    const renewals = new Set<string>();
    await waitFor('a to renew past one lease duration', { timeoutMs: 15_000, intervalMs: 100 }, async () => {
      const l = await lease('le-1');
      assert.equal(l?.spec.holderIdentity, 'a');
      assert.equal(bLeads, false);
      renewals.add(l.spec.renewTime ?? '');
      return renewals.size >= 15;
    });
    assert.equal(b.isLeader, false);
    await a.stop();
    await bRun;
    assert.equal(bLeads, true);
    const l = await lease('le-1');
    assert.equal(l?.spec.holderIdentity, 'b');
    assert.equal(l.spec.leaseTransitions, 1);
  });

  it('a holder that stops renewing (crashed) is replaced after the lease duration', async () => {
    const a = elector('le-2', 'a');
    assert.equal(await a.run(() => undefined), true);
    // A crash: no release, no renewals. Simulated by stopping the renew loop without releasing.
    (a as unknown as { stopper: AbortController }).stopper.abort();
    const b = elector('le-2', 'b');
    const started = Date.now();
    assert.equal(await b.run(() => undefined), true);
    assert.ok(Date.now() - started >= 1000, 'b waited for the lease to expire');
    assert.equal((await lease('le-2'))?.spec.holderIdentity, 'b');
  });

  it('a leader whose Lease is taken steps down and says so', async () => {
    const a = elector('le-3', 'a');
    let lost = false;
    assert.equal(await a.run(() => { lost = true; }), true);
    const l = await lease('le-3');
    assert.ok(l);
    l.spec = { ...l.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60 };
    await client.replace(resourceTypes.leases, l);
    await waitFor('a to notice', { timeoutMs: 10_000, intervalMs: 50 }, () => lost);
    assert.equal(a.isLeader, false);
  });

  it('only the leading operator reconciles; the standby takes over when it stops', async () => {
    const handledBy: string[] = [];
    const make = (identity: string): Operator => {
      const op = new Operator({
        client, log: testLogger(), name: 'askr.dev/operator', identity,
        leaderElection: { name: 'askr-operator', namespace: ns, leaseDurationSeconds: 2, renewDeadlineMs: 1500, retryPeriodMs: 200 },
      });
      op.controller<AskrApp>(resourceTypes.askrApps, { namespace: ns }).on(['create', 'update', 'resume', 'resync'], () => { handledBy.push(identity); });
      running.push(op);
      return op;
    };
    const first = make('op-1');
    const second = make('op-2');
    assert.equal(await first.start(), true);
    let secondStarted = false;
    const secondRun = second.start().then((won) => { secondStarted = won; });
    await createApp(client, ns, 'one', { image: 'x' });
    await waitFor('op-1 to handle it', { timeoutMs: 10_000 }, () => handledBy.includes('op-1'));
    assert.equal(second.running, false);
    assert.ok(!handledBy.includes('op-2'));
    await first.stop();
    await secondRun;
    assert.equal(secondStarted, true);
    await waitFor('op-2 to resume the app', { timeoutMs: 10_000 }, () => handledBy.includes('op-2'));
  });
});
