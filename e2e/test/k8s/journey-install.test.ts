import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import type { Pod } from '../../src/k8s/pod-types.js';
import { chartDir, journeySkipReason, release, startJourneyCluster } from '../../src/k8s/journeys/journey-cluster.js';
import type { JourneyCluster } from '../../src/k8s/journeys/journey-cluster.js';
import { podReady } from '../../src/k8s/test-cluster.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { eventsAbout } from './operator-support.js';

interface Condition { type: string; status: string; reason: string; message: string; observedGeneration?: number }
interface ServiceObject extends KubeObject { spec: { type?: string; clusterIP?: string; ports: { port: number; targetPort: string | number }[] } }
interface ClusterRole extends KubeObject { rules: { apiGroups?: string[]; resources?: string[]; verbs: string[] }[] }

const ns = release.namespace;
const condition = (app: AskrApp | undefined, type: string): Condition | undefined =>
  (app?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

/**
 * Journeys 1–3: `helm install askr ./helm/askr` with the sample app, the
 * operator acting as the chart's ServiceAccount, the Laravel sample serving
 * through the Deployment and Services the operator made, and invalid specs
 * refused by the API server itself.
 */
describe('journey: install the chart, run the sample app, refuse bad specs', { skip: journeySkipReason() }, () => {
  let j: JourneyCluster;

  before(async () => {
    j = await startJourneyCluster({ helmArgs: ['--set', 'sampleApp.create=true'], namespaces: ['locked', 'bad'] });
  });
  after(async () => {
    await j.stop();
  });

  const getApp = (namespace: string, name: string): Promise<AskrApp | undefined> => j.client.get<AskrApp>(resourceTypes.askrApps, namespace, name);

  it('helm lint is clean, with and without the sample app', async () => {
    for (const extra of [[], ['--set', 'sampleApp.create=true']]) {
      const r = await j.helm(['lint', chartDir, '--strict', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(r.stdout, /\[(WARNING|ERROR)\]/);
    }
  });

  it('helm install deploys the CRD and the operator, which runs as a pod with the chart\'s ServiceAccount and holds the Lease', async () => {
    assert.match(j.installOutput, /STATUS: deployed/);
    const crd = await j.client.get<KubeObject & { status?: { conditions?: Condition[] } }>(resourceTypes.customResourceDefinitions, undefined, 'askrapps.askr.dev');
    assert.equal(crd?.status?.conditions?.find((c) => c.type === 'Established')?.status, 'True');
    const pod = await j.operatorPod();
    assert.equal(pod.spec.serviceAccountName, 'askr');
    const operator = pod.spec.containers.find((c) => c.name === 'operator');
    assert.ok(operator, 'the operator container');
    assert.ok(!operator.env?.some((e) => e.name === 'KUBECONFIG'), 'in-cluster credentials, no kubeconfig');
    assert.ok(pod.spec.volumes?.some((v) => v.projected !== undefined), 'the projected service-account token is mounted');
    const lease = await j.client.get<KubeObject & { spec: { holderIdentity?: string } }>(resourceTypes.leases, ns, 'askr-operator');
    assert.equal(lease?.spec.holderIdentity, pod.metadata.name, 'the operator pod leads');
  });

  it('the sample AskrApp becomes a Deployment, Services, a PDB and an admin Secret, all owned by it', async () => {
    const app = await waitFor('the sample app hello to be Ready', { timeoutMs: 180_000, intervalMs: 250 }, async () => {
      const a = await getApp(ns, 'hello');
      return condition(a, 'Ready')?.status === 'True' ? a : undefined;
    });
    assert.equal(app.spec.image, 'ghcr.io/askr-dev/askr-example-laravel:0.1.0', 'the chart\'s sample image (the Laravel example)');
    const children: [typeof resourceTypes[keyof typeof resourceTypes], string][] = [
      [resourceTypes.deployments, 'hello'], [resourceTypes.services, 'hello'], [resourceTypes.services, 'hello-peers'],
      [resourceTypes.podDisruptionBudgets, 'hello'], [resourceTypes.secrets, 'hello-askr-admin'],
    ];
    for (const [type, name] of children) {
      const child = await j.client.get(type, ns, name);
      assert.ok(child, `${type.kind} ${name} exists`);
      const ref = child.metadata.ownerReferences?.find((r) => r.controller === true);
      assert.deepEqual([ref?.kind, ref?.name, ref?.uid, ref?.blockOwnerDeletion], ['AskrApp', 'hello', app.metadata.uid, true], `${type.kind} ${name} is controlled by the app`);
    }
    const svc = await j.client.get<ServiceObject>(resourceTypes.services, ns, 'hello');
    assert.equal(svc?.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[80, 'http']]);
    const peers = await j.client.get<ServiceObject>(resourceTypes.services, ns, 'hello-peers');
    assert.equal(peers?.spec.clusterIP, 'None', 'the peer Service is headless');
  });

  it('its pod (PHP template + sidecar) serves /hello on the pod IP and through the Service', async () => {
    const pods = await j.client.list<Pod & KubeObject>(resourceTypes.pods, { namespace: ns, labelSelector: 'askr.dev/app=hello' });
    assert.equal(pods.items.length, 1);
    const pod = pods.items[0]!;
    assert.ok(podReady(pod));
    assert.deepEqual(pod.spec.containers.map((c) => c.name), ['app', 'sidecar']);
    const direct = await fetch(`http://${pod.status?.podIP ?? ''}:8080/hello`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(direct.status, 200);
    assert.equal(await direct.text(), 'Hello, World!');
    const svc = await j.client.get<ServiceObject>(resourceTypes.services, ns, 'hello');
    const viaService = await fetch(`http://${svc?.spec.clusterIP ?? ''}:80/hello`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(viaService.status, 200);
    assert.equal(await viaService.text(), 'Hello, World!');
  });

  it('status: conditions and observedGeneration follow the spec; kubectl get askr shows the printer columns', async () => {
    // The first scrape fills busy and queue; every condition names the generation it reflects.
    const app = await waitFor('the first metrics scrape of hello', { timeoutMs: 60_000, intervalMs: 250 }, async () => {
      const a = await getApp(ns, 'hello');
      return a?.status?.busyRatio !== undefined && condition(a, 'MetricsUnavailable') !== undefined ? a : undefined;
    });
    assert.equal(app.metadata.generation, 1);
    assert.equal(app.status?.observedGeneration, 1);
    const summary = (app.status.conditions as Condition[]).map((c) => [c.type, c.status, c.reason, c.observedGeneration]).sort();
    assert.deepEqual(summary, [
      ['Degraded', 'False', 'AsExpected', 1], ['MetricsUnavailable', 'False', 'Scraped', 1], ['Progressing', 'False', 'Stable', 1],
      ['Ready', 'True', 'PodsReady', 1], ['ScalingLimited', 'False', 'WithinLimits', 1],
    ]);
    assert.deepEqual([app.status.replicas, app.status.readyReplicas, app.status.workersPerPod, app.status.selector], [1, 1, 2, 'askr.dev/app=hello']);
    assert.ok((await eventsAbout(j.client, ns, 'hello')).some((e) => e.reason === 'Created'), 'a Created Event');

    const table = await j.kubectl(['get', 'askr', '-n', ns]);
    assert.equal(table.code, 0, table.stderr);
    const [head, row] = table.stdout.trimEnd().split('\n');
    assert.match(head ?? '', /^NAME\s+REPLICAS\s+WORKERS\/POD\s+BUSY\s+QUEUE\s+READY\s+AGE$/);
    assert.match(row ?? '', /^hello\s+1\s+2\s+\d+(\.\d+)?\s+\d+\s+True\s+\S+$/);
    const wide = await j.kubectl(['get', 'askrapps', 'hello', '-n', ns, '-o', 'wide']);
    assert.match(wide.stdout.split('\n')[0] ?? '', /^NAME\s+REPLICAS\s+READY-PODS\s+WORKERS\/POD\s+BUSY\s+QUEUE\s+READY\s+LAST-SCALE\s+AGE$/);

    // A spec change: generation 2 is observed, and a ceiling bound needs no rollout.
    const podBefore = (await j.client.list(resourceTypes.pods, { namespace: ns, labelSelector: 'askr.dev/app=hello' })).items.map((p) => p.metadata.uid);
    const patched = await j.kubectl(['patch', 'askrapp', 'hello', '-n', ns, '--type=merge', '-p', '{"spec":{"workers":{"max":6}}}']);
    assert.equal(patched.code, 0, patched.stderr);
    const updated = await waitFor('generation 2 to be observed', { timeoutMs: 60_000, intervalMs: 250 }, async () => {
      const a = await getApp(ns, 'hello');
      return a?.status?.observedGeneration === 2 && condition(a, 'Ready')?.observedGeneration === 2 ? a : undefined;
    });
    assert.equal(updated.metadata.generation, 2);
    assert.equal(condition(updated, 'Ready')?.status, 'True');
    const podAfter = (await j.client.list(resourceTypes.pods, { namespace: ns, labelSelector: 'askr.dev/app=hello' })).items.map((p) => p.metadata.uid);
    assert.deepEqual(podAfter, podBefore, 'the same pod: no rollout');
  });

  it('the operator acts with exactly the chart\'s RBAC: take a verb away and it is refused as its ServiceAccount', async () => {
    const path = '/apis/rbac.authorization.k8s.io/v1/clusterroles/askr';
    const role = await j.client.json<ClusterRole>(path);
    const secretsRule = role.rules.findIndex((r) => r.resources?.includes('secrets') === true);
    assert.ok(secretsRule >= 0, 'the ClusterRole grants secrets');
    const without = role.rules.map((r, i) => (i === secretsRule ? { ...r, verbs: r.verbs.filter((v) => v !== 'create') } : r));
    const patch = (rules: ClusterRole['rules']): Promise<unknown> =>
      j.client.json(path, { method: 'PATCH', contentType: 'application/merge-patch+json', body: JSON.stringify({ rules }) });
    await patch(without);
    try {
      // No pod is needed to show the refusal: count 0 keeps the Deployment empty.
      const r = await j.kubectl(['apply', '-f', '-'], { input: appYaml('locked', 'locked', 'image: askr/laravel:dev\n  replicas: { min: 1, max: 1, count: 0 }') });
      assert.equal(r.code, 0, r.stderr);
      const app = await waitFor('the locked app to be Degraded', { timeoutMs: 60_000, intervalMs: 250 }, async () => {
        const a = await getApp('locked', 'locked');
        return condition(a, 'Degraded')?.status === 'True' ? a : undefined;
      });
      assert.match(condition(app, 'Degraded')?.message ?? '', /User "system:serviceaccount:askr-system:askr" cannot create resource "secrets"/);
    } finally {
      await patch(role.rules);
    }
    // Given the verb back, the operator's retries (backoff) get through on their own.
    await waitFor('the locked app to recover', { timeoutMs: 60_000, intervalMs: 250 }, async () =>
      condition(await getApp('locked', 'locked'), 'Degraded')?.status === 'False');
    assert.ok(await j.client.get(resourceTypes.secrets, 'locked', 'locked-askr-admin'), 'the admin Secret was created');
    const del = await j.kubectl(['delete', 'askrapp', 'locked', '-n', 'locked', '--wait=true']);
    assert.equal(del.code, 0, del.stderr);
  });

  it('refuses invalid specs at the API server, with messages that name the field', async () => {
    const cases: [string, RegExp][] = [
      ['image: askr/laravel:dev\n  replicas: { min: 5, max: 2 }', /replicas\.min must not be greater than replicas\.max/],
      ['image: askr/laravel:dev\n  workers: { min: 9, max: 4 }', /workers\.min must not be greater than workers\.max/],
      ['image: askr/laravel:dev\n  pusher: { enabled: true }', /pusher\.enabled needs appId, key and secretRef/],
      ['image: askr/laravel:dev\n  workers: { max: 0 }', /spec\.workers\.max: Invalid value: 0: spec\.workers\.max in body should be greater than or equal to 1/],
      ['image: askr/laravel:dev\n  scaling: { intervalSeconds: 1 }', /spec\.scaling\.intervalSeconds: Invalid value: 1: .*greater than or equal to 5/],
      ['image: askr/laravel:dev\n  service: { type: Ingress }', /spec\.service\.type: Unsupported value: "Ingress": supported values: "ClusterIP", "NodePort", "LoadBalancer"/],
      ['workerScript: /app/worker.php', /spec\.image: Required value/],
      ['image: askr/laravel:dev\n  replcas: { min: 1 }', /unknown field "spec\.replcas"/],
    ];
    for (const [spec, message] of cases) {
      const r = await j.kubectl(['apply', '-f', '-'], { input: appYaml('bad', 'bad', spec) });
      assert.notEqual(r.code, 0, `refused: ${spec}`);
      assert.match(r.stderr, message, spec);
    }
    const list = await j.client.list(resourceTypes.askrApps, { namespace: 'bad' });
    assert.equal(list.items.length, 0, 'nothing was stored');
  });
});

/** An AskrApp manifest; `spec` is the YAML under `spec:`, indented by two spaces. */
function appYaml(namespace: string, name: string, spec: string): string {
  return `apiVersion: askr.dev/v1alpha1\nkind: AskrApp\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  ${spec}\n`;
}
