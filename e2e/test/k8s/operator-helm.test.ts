import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { DirectTransport } from '../../../operator/src/admin/admin-transport.js';
import { registerAskrAppController } from '../../../operator/src/app/askr-app-controller.js';
import { Operator } from '../../../operator/src/controller/operator.js';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import { KubeClient } from '../../../operator/src/kube/kube-client.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { controlPlaneAvailable, startControlPlane } from '../../src/k8s/control-plane.js';
import type { ControlPlane } from '../../src/k8s/control-plane.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { AdminEndpoint, adminToken, createApp, createNamespace, eventsAbout, registerPod, testLogger } from './operator-support.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const chart = join(root, 'helm', 'askr');
const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';

/**
 * The chart with the real helm: lint, install, and the operator running with
 * exactly the permissions the chart grants (a token of its ServiceAccount).
 */
describe('helm chart', { skip }, () => {
  let cp: ControlPlane;
  let admin: KubeClient;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    cp = await startControlPlane({ controllerManager: false });
    admin = new KubeClient(loadConfig(cp, undefined));
  });
  after(async () => {
    for (const s of stops.reverse()) await s();
    await cp.stop();
  });

  const helm = async (...args: string[]): Promise<string> => (await exec('helm', args, { env: cp.env, timeout: 120_000 })).stdout;
  const kubectl = async (...args: string[]): Promise<{ code: number; out: string }> => {
    try {
      return { code: 0, out: (await exec('kubectl', args, { env: cp.env, timeout: 30_000 })).stdout };
    } catch (err) {
      return { code: (err as { code?: number }).code ?? 1, out: (err as { stdout?: string }).stdout ?? '' };
    }
  };

  /** A client acting as the chart's ServiceAccount, with a token from the TokenRequest API. */
  async function serviceAccountClient(namespace: string, name: string): Promise<KubeClient> {
    const req = await admin.json<{ status: { token: string } }>(`/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      method: 'POST', contentType: 'application/json',
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } }),
    });
    return new KubeClient(loadConfig(cp, req.status.token));
  }

  it('lints clean with every scenario in ci/', async () => {
    for (const values of [undefined, ...readdirSync(join(chart, 'ci')).map((f) => join(chart, 'ci', f))]) {
      const out = await helm('lint', chart, '--strict', ...(values ? ['-f', values] : []));
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      assert.doesNotMatch(out, /\[(WARNING|ERROR)\]/, values ?? 'default values');
    }
  });

  it('refuses values the schema does not allow', async () => {
    await assert.rejects(helm('template', 't', chart, '--set', 'operator.replicas=0'), /replicas/);
    await assert.rejects(helm('template', 't', chart, '--set', 'operator.logLevel=loud'), /logLevel/);
    await assert.rejects(helm('template', 't', chart, '--set', 'nope=1'), /nope/);
  });

  it('renders leader election and least-privilege RBAC, cluster-wide or for one namespace', async () => {
    const out = await helm('template', 'askr', chart, '--namespace', 'askr-system');
    assert.match(out, /kind: ClusterRole\n/);
    assert.match(out, /name: ASKR_LEADER_ELECT\n\s+value: "true"/);
    assert.match(out, /resourceNames: \["askr-operator"\]/);
    assert.doesNotMatch(out, /kind: AskrApp\n/, 'no sample app unless asked');
    const ns = await helm('template', 'askr', chart, '--namespace', 'askr-system', '-f', join(chart, 'ci', 'namespaced-values.yaml'));
    assert.doesNotMatch(ns, /kind: ClusterRole/, 'a namespaced install grants nothing cluster-wide');
    assert.match(ns, /kind: Role\n[\s\S]*namespace: shop/);
  });

  it('installs: CRD, ServiceAccount, RBAC, the operator Deployment and NOTES', async () => {
    const out = await helm('install', 'askr', chart, '--namespace', 'askr-system', '--create-namespace');
    stops.push(async () => { await helm('uninstall', 'askr', '--namespace', 'askr-system'); });
    assert.match(out, /STATUS: deployed/);
    assert.match(out, /kubectl get askrapps/);
    const crd = await admin.get(resourceTypes.customResourceDefinitions, undefined, 'askrapps.askr.dev');
    assert.ok(crd, 'the CRD from crds/ is installed');
    const d = await admin.get<KubeObject & { spec: { template: { spec: { serviceAccountName: string } } } }>(resourceTypes.deployments, 'askr-system', 'askr');
    assert.equal(d?.spec.template.spec.serviceAccountName, 'askr');
  });

  it('the granted permissions are enough to reconcile and scale, and no more', async () => {
    await createNamespace(admin, 'shop');
    const sa = await serviceAccountClient('askr-system', 'askr');
    const endpoint = new AdminEndpoint(() => token);
    let token = '';
    await endpoint.listen();
    stops.push(() => endpoint.close());
    const op = new Operator({
      client: sa, log: testLogger(), name: 'askr.dev/operator', identity: 'askr-0',
      leaderElection: { name: 'askr-operator', namespace: 'askr-system' },
    });
    registerAskrAppController(op, { sidecarImage: 's:1', timerTickMs: 250, transport: new DirectTransport(() => `http://127.0.0.1:${endpoint.port}`) });
    assert.equal(await op.start(), true);
    stops.push(() => op.stop());

    await createApp(admin, 'shop', 'web', { image: 'shop:1', workers: { min: 2, max: 6 }, scaling: { intervalSeconds: 5 } });
    token = await adminToken(admin, 'shop', 'web');
    await registerPod(admin, 'shop', 'web', 'web-0', '10.244.251.10');
    Object.assign(endpoint.state, { alive: 2, busy: 2, queue: 4 });
    const app = await waitFor('reconciled and scaled as the ServiceAccount', { timeoutMs: 45_000, intervalMs: 200 }, async () => {
      const a = await admin.get<AskrApp>(resourceTypes.askrApps, 'shop', 'web');
      return a?.status?.observedGeneration === 1 && a.status.lastScale?.reason === 'RaisedWorkerCeiling' ? a : undefined;
    });
    assert.equal(app.status?.workersPerPod, 6);
    assert.ok(await admin.get(resourceTypes.deployments, 'shop', 'web'));
    // Events are sent fire-and-forget after the status patch: wait for it (a forbidden create never lands).
    await waitFor('the RaisedWorkerCeiling event, created as the ServiceAccount', { timeoutMs: 10_000, intervalMs: 200 }, async () =>
      (await eventsAbout(admin, 'shop', 'web')).some((e) => e.reason === 'RaisedWorkerCeiling'));
    const lease = await admin.get<KubeObject & { spec: { holderIdentity: string } }>(resourceTypes.leases, 'askr-system', 'askr-operator');
    assert.equal(lease?.spec.holderIdentity, 'askr-0');

    const can = async (...args: string[]): Promise<boolean> =>
      (await kubectl('auth', 'can-i', ...args, '--as', 'system:serviceaccount:askr-system:askr')).code === 0;
    assert.equal(await can('create', 'deployments', '-n', 'shop'), true);
    assert.equal(await can('list', 'secrets', '-n', 'shop'), false, 'secrets are get/create only');
    assert.equal(await can('delete', 'deployments', '-n', 'shop'), false);
    assert.equal(await can('update', 'leases/other', '-n', 'askr-system'), false, 'only its own Lease');
    assert.equal(await can('list', 'nodes'), false);
  });

  it('a namespaced install grants nothing outside its namespace', async () => {
    await helm('install', 'askr-ns', chart, '--namespace', 'askr-ns', '--create-namespace', '-f', join(chart, 'ci', 'namespaced-values.yaml'));
    stops.push(async () => { await helm('uninstall', 'askr-ns', '--namespace', 'askr-ns'); });
    const can = async (...args: string[]): Promise<boolean> =>
      (await kubectl('auth', 'can-i', ...args, '--as', 'system:serviceaccount:askr-ns:askr-ns')).code === 0;
    assert.equal(await can('watch', 'askrapps', '-n', 'shop'), true);
    assert.equal(await can('watch', 'askrapps', '--all-namespaces'), false);
    assert.equal(await can('create', 'deployments', '-n', 'default'), false);
  });
});

function loadConfig(cp: ControlPlane, token: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  if (token === undefined) return kc;
  const cluster = kc.getCurrentCluster();
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ name: 'c', server: cp.server, ...(cluster?.caData ? { caData: cluster.caData } : {}), ...(cluster?.caFile ? { caFile: cluster.caFile } : {}) }],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'sa', cluster: 'c', user: 'sa' }],
    currentContext: 'sa',
  });
  return out;
}
