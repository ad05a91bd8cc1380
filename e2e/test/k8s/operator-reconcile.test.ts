import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import type { KubeClient } from '../../../operator/src/kube/kube-client.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import type { Container, DeploymentSpec } from '../../../operator/src/kube/workload-types.js';
import { controlPlaneAvailable } from '../../src/k8s/control-plane.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { createApp, createNamespace, eventsAbout, startOperator, startOperatorCluster } from './operator-support.js';
import type { OperatorCluster, RunningOperator } from './operator-support.js';

const exec = promisify(execFile);
const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';

interface Deployment extends KubeObject {
  spec: DeploymentSpec;
}

const envOf = (c: Container | undefined, name: string): string | undefined => c?.env?.find((e) => e.name === name)?.value;

describe('operator reconcile against a real API server', { skip }, () => {
  let cluster: OperatorCluster;
  let client: KubeClient;
  let op: RunningOperator | undefined;
  const ns = 'shop';

  before(async () => {
    cluster = await startOperatorCluster({ controllerManager: true });
    client = cluster.client;
    await createNamespace(client, ns);
    op = await startOperator(client);
  });
  after(async () => {
    await op?.stop();
    await cluster.stop();
  });

  const kubectl = async (...args: string[]): Promise<string> =>
    (await exec('kubectl', args, { env: cluster.cp.env, timeout: 30_000 })).stdout;
  const getApp = async (name: string): Promise<AskrApp> => {
    const a = await client.get<AskrApp>(resourceTypes.askrApps, ns, name);
    assert.ok(a, `AskrApp ${name} exists`);
    return a;
  };
  const deployment = (name: string): Promise<Deployment | undefined> => client.get<Deployment>(resourceTypes.deployments, ns, name);

  it('turns an AskrApp into a Deployment, Services, a PDB and an admin Secret, all owned by it', async () => {
    const created = await createApp(client, ns, 'web', { image: 'shop:1', workerScript: '/app/worker.php', replicas: { min: 2, max: 5 } });
    const d = await waitFor('the Deployment', { timeoutMs: 30_000 }, () => deployment('web'));
    assert.equal(d.spec.replicas, 2, 'starts at replicas.min');
    const sidecar = d.spec.template.spec.containers.find((c) => c.name === 'sidecar');
    assert.equal(sidecar?.image, 'askr-e2e/sidecar:dev');
    assert.equal(envOf(sidecar, 'ASKR_PEER_DNS'), 'web-peers.shop.svc');
    for (const [type, name] of [[resourceTypes.services, 'web'], [resourceTypes.services, 'web-peers'], [resourceTypes.podDisruptionBudgets, 'web'], [resourceTypes.secrets, 'web-askr-admin'], [resourceTypes.deployments, 'web']] as const) {
      const child = await waitFor(`${type.kind} ${name}`, { timeoutMs: 30_000 }, () => client.get(type, ns, name));
      const ref = child.metadata.ownerReferences?.[0];
      assert.equal(ref?.uid, created.metadata.uid, `${type.kind} ${name} is owned by the app`);
      assert.equal(ref?.controller, true);
    }
    const app = await waitFor('status with observedGeneration', { timeoutMs: 30_000 }, async () => {
      const a = await getApp('web');
      return a.status?.observedGeneration === 1 ? a : undefined;
    });
    assert.equal(app.status?.selector, 'askr.dev/app=web');
    assert.equal(app.status.replicas, 2);
    assert.equal(app.status.workersPerPod, 2);
    const ready = app.status.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False', 'no node runs the pods, so they are not ready');
    assert.equal(ready.observedGeneration, 1);
    const events = await waitFor('the Created event', { timeoutMs: 10_000 }, async () => {
      const list = await eventsAbout(client, ns, 'web');
      return list.some((e) => e.reason === 'Created') ? list : undefined;
    });
    assert.match(events.find((e) => e.reason === 'Created')?.note ?? '', /with 2 replicas/);
  });

  it('applies spec changes: new env, PDB removed when disabled, the admin token kept', async () => {
    const before = await client.get<KubeObject & { data: Record<string, string> }>(resourceTypes.secrets, ns, 'web-askr-admin');
    await client.patch(resourceTypes.askrApps, ns, 'web', { spec: { workers: { min: 3, max: 12 }, podDisruptionBudget: { enabled: false } } });
    await waitFor('ASKR_WORKERS_MIN=3 in the pod template', { timeoutMs: 30_000 }, async () => {
      const d = await deployment('web');
      return envOf(d?.spec.template.spec.containers.find((c) => c.name === 'sidecar'), 'ASKR_WORKERS_MIN') === '3';
    });
    await waitFor('the PDB to be deleted', { timeoutMs: 30_000 }, async () => (await client.get(resourceTypes.podDisruptionBudgets, ns, 'web')) === undefined);
    const app = await waitFor('observedGeneration 2', { timeoutMs: 30_000 }, async () => {
      const a = await getApp('web');
      return a.status?.observedGeneration === 2 ? a : undefined;
    });
    assert.equal(app.status?.workersPerPod, 3, 'the ceiling follows the raised floor');
    const now = await client.get<KubeObject & { data: Record<string, string> }>(resourceTypes.secrets, ns, 'web-askr-admin');
    assert.deepEqual(now?.data, before?.data);
  });

  it('puts back a Deployment edited by hand, and re-applying changes nothing', async () => {
    await client.patch(resourceTypes.deployments, ns, 'web', { spec: { replicas: 7 } });
    await waitFor('replicas back to 2', { timeoutMs: 30_000 }, async () => (await deployment('web'))?.spec.replicas === 2);
    const d1 = await deployment('web');
    op?.controller.enqueue(`${ns}/web`);
    await op?.controller.idle();
    const d2 = await deployment('web');
    assert.equal(d2?.metadata.generation, d1?.metadata.generation, 'an unchanged apply does not bump the generation');
  });

  it('kubectl scale writes spec.replicas.count, which fixes the pod count; kubectl get shows it', async () => {
    await kubectl('scale', '-n', ns, 'askrapp/web', '--replicas=4');
    assert.equal((await getApp('web')).spec.replicas.count, 4);
    await waitFor('the Deployment at 4', { timeoutMs: 30_000 }, async () => (await deployment('web'))?.spec.replicas === 4);
    await waitFor('status.replicas 4', { timeoutMs: 30_000 }, async () => (await getApp('web')).status?.replicas === 4);
    const table = await kubectl('get', 'askr', '-n', ns);
    assert.match(table, /^NAME\s+REPLICAS\s+WORKERS\/POD\s+BUSY\s+QUEUE\s+READY\s+AGE/m);
    assert.match(table, /^web\s+4\s+3\s+/m);
    const scale = JSON.parse(await kubectl('get', '--raw', `/apis/askr.dev/v1alpha1/namespaces/${ns}/askrapps/web/scale`)) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    assert.equal(scale.spec.replicas, 4);
    assert.equal(scale.status.selector, 'askr.dev/app=web');
  });

  it('the API server refuses specs the CEL rules reject, with their messages', async () => {
    await assert.rejects(createApp(client, ns, 'bad', { image: 'x', workers: { min: 9, max: 3 } }), /workers.min must not be greater than workers.max/);
    await assert.rejects(createApp(client, ns, 'bad', { image: 'x', replicas: { min: 5, max: 2 } }), /replicas.min must not be greater than replicas.max/);
    await assert.rejects(createApp(client, ns, 'bad', { image: 'x', pusher: { enabled: true } }), /pusher.enabled needs appId, key and secretRef/);
    await assert.rejects(createApp(client, ns, 'bad', { image: '' }), /spec.image/);
  });

  it('a restarted operator resumes and catches up with changes made while it was down', async () => {
    await op?.stop();
    op = undefined;
    await client.patch(resourceTypes.askrApps, ns, 'web', { spec: { image: 'shop:2' } });
    op = await startOperator(client, { identity: 'askr-e2e-operator-2' });
    await waitFor('the new image in the pod template', { timeoutMs: 30_000 }, async () =>
      (await deployment('web'))?.spec.template.spec.containers.find((c) => c.name === 'app')?.image === 'shop:2');
    const events = await waitFor('the Updated event', { timeoutMs: 10_000 }, async () => {
      const list = await eventsAbout(client, ns, 'web');
      return list.some((e) => e.reason === 'Updated') ? list : undefined;
    });
    assert.ok(events.length >= 2);
  });

  it('deleting the AskrApp lets the garbage collector remove its children', async () => {
    await client.delete(resourceTypes.askrApps, ns, 'web');
    for (const [type, name] of [[resourceTypes.deployments, 'web'], [resourceTypes.services, 'web'], [resourceTypes.services, 'web-peers'], [resourceTypes.secrets, 'web-askr-admin']] as const) {
      await waitFor(`${type.kind} ${name} to be collected`, { timeoutMs: 60_000, intervalMs: 200 }, async () => (await client.get(type, ns, name)) === undefined);
    }
  });
});
