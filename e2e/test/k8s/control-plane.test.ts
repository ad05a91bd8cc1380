import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { controlPlaneAvailable, k8sVersion, startControlPlane } from '../../src/k8s/control-plane.js';
import type { ControlPlane } from '../../src/k8s/control-plane.js';
import { KubeApi, KubeApiError } from '../../src/k8s/kube-api.js';
import { waitFor } from '../../src/k8s/wait-for.js';

const exec = promisify(execFile);
const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';

interface Meta {
  metadata: { name: string; uid: string; ownerReferences?: { kind: string; uid: string; controller?: boolean }[] };
}
interface List<T> {
  items: T[];
}

describe('control plane', { skip }, () => {
  let cp: ControlPlane;
  const ns = 'cp-test';

  before(async () => {
    cp = await startControlPlane();
    await cp.api.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  });
  after(async () => {
    await cp.stop();
  });

  it(`reports v${k8sVersion} on /version, to the API and to kubectl`, async () => {
    const v = await cp.api.request<{ gitVersion: string; major: string; minor: string }>('GET', '/version');
    assert.equal(v.gitVersion, `v${k8sVersion}`);
    assert.equal(`${v.major}.${v.minor}`, k8sVersion.split('.').slice(0, 2).join('.'));
    const { stdout } = await exec('kubectl', ['version', '-o', 'json'], { env: cp.env, timeout: 30_000 });
    const out = JSON.parse(stdout) as { serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } };
    assert.equal(out.serverVersion.gitVersion, `v${k8sVersion}`);
    assert.equal(out.clientVersion.gitVersion, `v${k8sVersion}`);
  });

  it('turns a Deployment into a ReplicaSet and Pods, and garbage-collects them', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'askr-e2e/echo:dev' }] } },
      },
    };
    const d = await cp.api.request<Meta>('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { body: deployment });
    const rs = await waitFor('a ReplicaSet owned by the Deployment', { timeoutMs: 30_000, intervalMs: 200 }, async () => {
      const list = await cp.api.request<List<Meta>>('GET', `/apis/apps/v1/namespaces/${ns}/replicasets`);
      return list.items.find((r) => r.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid && o.controller === true));
    });
    const pods = await waitFor('two Pods owned by the ReplicaSet', { timeoutMs: 30_000, intervalMs: 200 }, async () => {
      const list = await cp.api.request<List<Meta & { spec: { volumes?: { name: string }[] } }>>('GET', `/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: 'app=web' } });
      const owned = list.items.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid));
      return owned.length === 2 ? owned : undefined;
    });
    // The ServiceAccount admission plugin is on: pods get the projected API credentials.
    for (const p of pods) assert.ok(p.spec.volumes?.some((v) => v.name.startsWith('kube-api-access-')), `${p.metadata.name} has no kube-api-access volume`);

    await cp.api.request('DELETE', `/apis/apps/v1/namespaces/${ns}/deployments/web`, { body: { propagationPolicy: 'Background' } });
    await waitFor('the garbage collector to remove the ReplicaSet', { timeoutMs: 30_000, intervalMs: 200 }, async () => (await cp.api.getOrUndefined(`/apis/apps/v1/namespaces/${ns}/replicasets/${rs.metadata.name}`)) === undefined);
    // Pods on no node have nothing to wait for: the API server removes them at once.
    await waitFor('the garbage collector to remove the Pods', { timeoutMs: 30_000, intervalMs: 200 }, async () => (await cp.api.request<List<Meta>>('GET', `/api/v1/namespaces/${ns}/pods`)).items.length === 0);
  });

  it('accepts a ServiceAccount token and grants it only what RBAC binds', async () => {
    await cp.api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } } });
    const tr = await cp.api.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    });
    const sa = new KubeApi({ server: cp.server, token: tr.status.token, ca: readFileSync(cp.caPath, 'utf8') });
    after(() => {
      sa.close();
    });
    const review = await sa.request<{ status: { userInfo: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    assert.equal(review.status.userInfo.username, `system:serviceaccount:${ns}:reader`);
    await assert.rejects(sa.request('GET', `/api/v1/namespaces/${ns}/configmaps`), (err) => err instanceof KubeApiError && err.status === 403);

    await cp.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] },
    });
    await cp.api.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'cm-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    await waitFor('the RoleBinding to take effect', { timeoutMs: 10_000, intervalMs: 100 }, async () => {
      await sa.request('GET', `/api/v1/namespaces/${ns}/configmaps`);
      return true;
    });
    // Still nothing beyond the Role.
    await assert.rejects(sa.request('GET', `/api/v1/namespaces/${ns}/secrets`), (err) => err instanceof KubeApiError && err.status === 403);
  });

  it('survives an API server restart with its data', async () => {
    await cp.api.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: '1' } } });
    await cp.restartApiServer();
    const cm = await cp.api.request<{ data: { a: string } }>('GET', `/api/v1/namespaces/${ns}/configmaps/kept`);
    assert.equal(cm.data.a, '1');
  });
});
