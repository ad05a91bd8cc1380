import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DirectTransport } from '../../../operator/src/admin/admin-transport.js';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import { OperatorError } from '../../../operator/src/errors.js';
import type { KubeClient } from '../../../operator/src/kube/kube-client.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { controlPlaneAvailable } from '../../src/k8s/control-plane.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { AdminEndpoint, adminToken, createApp, createNamespace, eventsAbout, registerPod, startOperator, startOperatorCluster } from './operator-support.js';
import type { OperatorCluster, RunningOperator } from './operator-support.js';

const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';

/**
 * The two-stage scaler end to end: the operator scrapes each pod's admin
 * endpoint (reached through a pluggable pod→URL resolver, since no node runs
 * the pods here), raises worker ceilings with PUT /askr/workers, changes the
 * Deployment's replicas, and publishes every decision in status and Events.
 */
describe('two-stage scaling against a real API server', { skip }, () => {
  let cluster: OperatorCluster;
  let client: KubeClient;
  let op: RunningOperator;
  const ns = 'scale';
  const endpoints = new Map<string, AdminEndpoint>();
  const ips = new Map<string, string>();
  let token = '';

  before(async () => {
    cluster = await startOperatorCluster({ controllerManager: false });
    client = cluster.client;
    await createNamespace(client, ns);
    // Pods here have addresses nothing routes to; the resolver maps each pod,
    // identified by name and the IP the operator read from its status, to its endpoint.
    const transport = new DirectTransport((pod) => {
      const e = endpoints.get(pod.name);
      if (!e || pod.ip !== ips.get(pod.name)) throw new OperatorError('ASKR_ERR_POD_UNREACHABLE', `no endpoint for ${pod.name} at ${pod.ip ?? '(no IP)'}`);
      return `http://127.0.0.1:${e.port}`;
    });
    op = await startOperator(client, { transport, timerTickMs: 250 });
  });
  after(async () => {
    await op.stop();
    await Promise.all([...endpoints.values()].map((e) => e.close()));
    await cluster.stop();
  });

  const app = async (): Promise<AskrApp> => {
    const a = await client.get<AskrApp>(resourceTypes.askrApps, ns, 'api');
    assert.ok(a);
    return a;
  };
  const deploymentReplicas = async (): Promise<number | undefined> =>
    (await client.get<KubeObject & { spec: { replicas: number } }>(resourceTypes.deployments, ns, 'api'))?.spec.replicas;
  const condition = async (type: string): Promise<{ status: string; reason: string; message: string } | undefined> =>
    (await app()).status?.conditions?.find((c) => c.type === type);
  const addPod = async (name: string, ip: string): Promise<AdminEndpoint> => {
    const e = new AdminEndpoint(() => token);
    await e.listen();
    endpoints.set(name, e);
    ips.set(name, ip);
    await registerPod(client, ns, 'api', name, ip);
    return e;
  };
  const wait = <T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> => waitFor(what, { timeoutMs: 45_000, intervalMs: 200 }, check);

  it('raises the worker ceiling first, within workers.max', async () => {
    await createApp(client, ns, 'api', {
      image: 'api:1', replicas: { min: 1, max: 2 }, workers: { min: 2, max: 8 },
      scaling: { intervalSeconds: 5, scaleUpWindowSeconds: 5, scaleDownWindowSeconds: 10, maxReplicaStep: 1 },
    });
    token = await adminToken(client, ns, 'api');
    const e0 = await addPod('api-0', '10.244.250.10');
    Object.assign(e0.state, { alive: 2, busy: 2, queue: 6 });
    await wait('the ceiling raised to 8', () => Promise.resolve(e0.state.puts.includes(8)));
    const a = await wait('status to show it', async () => { const x = await app(); return x.status?.workersPerPod === 8 ? x : undefined; });
    assert.equal(a.status?.lastScale?.reason, 'RaisedWorkerCeiling');
    assert.equal(a.status.replicas, 1, 'no replica added while a ceiling could rise');
    assert.equal(a.status.queueDepth, 6);
    assert.equal(await deploymentReplicas(), 1);
    // Events are sent fire-and-forget after the status patch, so the Event may land a little later.
    await wait('the RaisedWorkerCeiling event (ceiling → 8)', async () =>
      (await eventsAbout(client, ns, 'api')).some((e) => e.reason === 'RaisedWorkerCeiling' && /ceiling → 8/.test(e.note)));
  });

  it('adds a replica once the pod is at its ceiling and the backlog lasts the scale-up window', async () => {
    const e0 = endpoints.get('api-0')!;
    Object.assign(e0.state, { alive: 8, busy: 8, queue: 10 });
    await wait('the Deployment at 2 replicas', async () => (await deploymentReplicas()) === 2);
    // The status patch (replicas with lastScale) is written after the Deployment, at the end of the decision.
    const a = await wait('status.replicas 2', async () => { const x = await app(); return x.status?.replicas === 2 ? x : undefined; });
    assert.equal(a.status?.lastScale?.reason, 'AddedReplicas');
    const limited = await wait('ScalingLimited at replicas.max', async () => { const c = await condition('ScalingLimited'); return c?.status === 'True' ? c : undefined; });
    assert.equal(limited.reason, 'MaxReplicas');
  });

  it('pushes the fleet ceiling to a new pod', async () => {
    const e1 = await addPod('api-1', '10.244.250.11');
    assert.equal(e1.state.max, 2, 'a pod starts at workers.min');
    await wait('api-1 raised to 8', () => Promise.resolve(e1.state.puts.includes(8)));
  });

  it('reports a pod that stops answering and does not shrink on its account', async () => {
    const [e0, e1] = [endpoints.get('api-0')!, endpoints.get('api-1')!];
    Object.assign(e0.state, { alive: 2, busy: 0, queue: 0 });
    e1.state.silent = true;
    const c = await wait('MetricsUnavailable', async () => { const x = await condition('MetricsUnavailable'); return x?.status === 'True' ? x : undefined; });
    assert.match(c.message, /1\/2 ready pods did not answer: api-1/);
    // Three more decisions (more than the 10 s scale-down window) with the silent pod
    // counted fully busy: its 8 workers of demand keep both pods.
    const from = e0.state.scrapes;
    await wait('three more decisions', () => Promise.resolve(e0.state.scrapes >= from + 3));
    assert.equal(await deploymentReplicas(), 2);
  });

  it('scales down replicas first after the window, then lowers the ceiling', async () => {
    const e1 = endpoints.get('api-1')!;
    Object.assign(e1.state, { silent: false, alive: 2, busy: 0, queue: 0 });
    await wait('MetricsUnavailable cleared', async () => (await condition('MetricsUnavailable'))?.status === 'False');
    await wait('the Deployment back at 1', async () => (await deploymentReplicas()) === 1);
    assert.equal((await app()).status?.workersPerPod, 8, 'ceilings come down last');
    await wait('the ceiling lowered to workers.min', async () => (await app()).status?.workersPerPod === 2);
    const e0 = endpoints.get('api-0')!;
    await wait('api-0 lowered to 2', () => Promise.resolve(e0.state.puts.at(-1) === 2));
    // Events are sent fire-and-forget: wait for both rather than reading the list once.
    await wait('the RemovedReplicas and LoweredWorkerCeiling events', async () => {
      const reasons = (await eventsAbout(client, ns, 'api')).map((e) => e.reason);
      return reasons.includes('RemovedReplicas') && reasons.includes('LoweredWorkerCeiling');
    });
  });
});
