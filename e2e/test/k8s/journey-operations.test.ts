import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import type { ResourceType } from '../../../operator/src/kube/resource-type.js';
import { journeySkipReason, release, startJourneyCluster } from '../../src/k8s/journeys/journey-cluster.js';
import type { JourneyCluster } from '../../src/k8s/journeys/journey-cluster.js';
import type { Pod } from '../../src/k8s/pod-types.js';
import { podReady } from '../../src/k8s/test-cluster.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { eventsAbout } from './operator-support.js';

const ns = 'blog';
const app = 'blog';
const selector = `askr.dev/app=${app}`;

// Two pods with the response cache on; a short request timeout keeps pod
// termination (the preStop hooks are derived from it) short.
const manifest = `apiVersion: askr.dev/v1alpha1
kind: AskrApp
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  image: askr/laravel:dev
  workerScript: /app/worker.php
  replicas: { min: 1, max: 4, count: 2 }
  workers: { min: 1, max: 2, requestTimeoutSeconds: 2 }
  responseCache: { sizeMB: 8 }
  scaling: { intervalSeconds: 5 }
`;

interface LeaseObject extends KubeObject { spec: { holderIdentity?: string; leaseTransitions?: number } }
interface DeploymentObject extends KubeObject { spec: { replicas?: number }; status?: { readyReplicas?: number } }

/**
 * Journeys 5–8 on one app of two pods: a recorded 5xx listed and replayed
 * with `kubectl askr`, `kubectl askr forget-tag` reaching every pod's cache,
 * the operator and the API server restarted with nothing done twice or lost,
 * and deleting the app removing everything it owned.
 */
describe('journey: errors, cache tags, restarts and deletion of a running app', { skip: journeySkipReason() }, () => {
  let j: JourneyCluster;

  before(async () => {
    j = await startJourneyCluster({ namespaces: [ns] });
    const r = await j.kubectl(['apply', '-f', '-'], { input: manifest });
    assert.equal(r.code, 0, r.stderr);
    await waitForApp('2 ready pods', (a, d) => a.status?.readyReplicas === 2 && d?.status?.readyReplicas === 2);
  });
  after(async () => {
    await j.stop();
  });

  const getApp = async (): Promise<AskrApp> => {
    const a = await j.client.get<AskrApp>(resourceTypes.askrApps, ns, app);
    assert.ok(a, 'the AskrApp exists');
    return a;
  };
  const deployment = (): Promise<DeploymentObject | undefined> => j.client.get<DeploymentObject>(resourceTypes.deployments, ns, app);
  /** Waits (bounded) until `ok` holds for the app and its Deployment. */
  async function waitForApp(what: string, ok: (a: AskrApp, d: DeploymentObject | undefined) => boolean, timeoutMs = 120_000): Promise<AskrApp> {
    return waitFor(`${app}: ${what}`, { timeoutMs, intervalMs: 250 }, async () => {
      const a = await getApp();
      return ok(a, await deployment()) ? a : undefined;
    });
  }
  /** The app's live pods, by name. */
  async function pods(): Promise<Pod[]> {
    const list = await j.cluster.api.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: selector } });
    return list.items.filter((p) => p.metadata.deletionTimestamp === undefined).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }
  const get = (pod: Pod, path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`http://${pod.status?.podIP ?? ''}:8080${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  /** How many ready pods the scaler's last scrape reached (from the MetricsUnavailable condition). */
  const scrapedPods = (a: AskrApp): number | undefined => {
    const c = (a.status?.conditions as { type: string; message: string }[] | undefined)?.find((x) => x.type === 'MetricsUnavailable');
    const m = /^(\d+) ready pods scraped$/.exec(c?.message ?? '');
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  /** How many times the operator reported `reason` about the app (a series counts each repeat). */
  const eventCount = async (reason: string): Promise<number> =>
    (await eventsAbout(j.client, ns, app)).filter((e) => e.reason === reason).reduce((n, e) => n + (e.series?.count ?? 1), 0);
  /**
   * The count of `reason` once it has reached `atLeast`: the operator sends Events
   * fire-and-forget after the change they report, so one may land a moment later.
   */
  const eventCountOnceAtLeast = (reason: string, atLeast: number): Promise<number> =>
    waitFor(`${atLeast} ${reason} event(s) about ${app}`, { timeoutMs: 15_000, intervalMs: 250 }, async () => {
      const n = await eventCount(reason);
      return n >= atLeast ? n : undefined;
    });

  it('a 5xx in one pod: kubectl askr errors lists it and kubectl askr replay re-runs it and prints the 500', async () => {
    const [first, second] = await pods();
    assert.ok(first && second, 'two pods');
    const boom = await get(first, '/boom?order=42', { method: 'POST', body: 'note=urgent', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(boom.status, 500);
    assert.equal(await boom.text(), 'boom uri=/boom?order=42 body=note=urgent');

    // The sidecar writes the recording after the response has gone out: poll until it is listed.
    const listed = await waitFor('kubectl askr errors to list the recording of the 500', { timeoutMs: 15_000, intervalMs: 250 }, async () => {
      const r = await j.kubectl(['askr', 'errors', app, '-n', ns]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trimEnd().split('\n').length >= 2 ? r : undefined;
    });
    const rows = listed.stdout.trimEnd().split('\n');
    assert.match(rows[0] ?? '', /^TIME\s+POD\s+STATUS\s+METHOD\s+URI\s+ID$/);
    assert.equal(rows.length, 2, 'one recording, from the pod that failed');
    const m = new RegExp(`^\\S+Z\\s+${first.metadata.name}\\s+500\\s+POST\\s+/boom\\?order=42\\s+(\\S+)$`).exec(rows[1] ?? '');
    assert.ok(m?.[1], rows[1]);
    const id = m[1];

    const replay = await j.kubectl(['askr', 'replay', app, id, '-n', ns]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, new RegExp(`^↻ replaying ${id} → POST /boom\\?order=42\\nHTTP 500\\n`));
    assert.match(replay.stdout, /^X-Boom: yes$/m);
    assert.match(replay.stdout, /\n\nboom uri=\/boom\?order=42 body=note=urgent\n$/);
  });

  it('kubectl askr forget-tag makes the cached page stale in every pod', async () => {
    const list = await pods();
    const cache = async (pod: Pod): Promise<string | null> => {
      const res = await get(pod, '/posts/cached');
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      return res.headers.get('x-askr-cache');
    };
    for (const pod of list) {
      await cache(pod);
      assert.equal(await cache(pod), 'HIT', `${pod.metadata.name} serves the page from its cache`);
    }
    const r = await j.kubectl(['askr', 'forget-tag', app, 'posts', '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, list.map((p) => `${p.metadata.name}: forgot posts\n`).join(''));
    for (const pod of list) {
      assert.equal(await cache(pod), 'MISS', `${pod.metadata.name} renders the page again`);
      assert.equal(await cache(pod), 'HIT', `${pod.metadata.name} caches the fresh page`);
    }
    // The same through a port-forward to each pod's admin port (API server, then the kubelet).
    const viaForward = await j.kubectl(['askr', 'forget-tag', app, 'posts', '-n', ns, '--via', 'port-forward']);
    assert.equal(viaForward.code, 0, viaForward.stderr);
    assert.equal(viaForward.stdout, list.map((p) => `${p.metadata.name}: forgot posts\n`).join(''));
    for (const pod of list) assert.equal(await cache(pod), 'MISS', `${pod.metadata.name} forgot the page again`);
  });

  it('a change made while the operator is down is applied once when it comes back, and nothing is redone', async () => {
    const before = await getApp();
    const secret = await j.client.get(resourceTypes.secrets, ns, `${app}-askr-admin`);
    const podsBefore = (await pods()).map((p) => p.metadata.uid);
    const generationBefore = (await deployment())?.metadata.generation ?? 0;
    const oldOperator = await j.operatorPod();
    const lease = async (): Promise<LeaseObject | undefined> => j.client.get<LeaseObject>(resourceTypes.leases, release.namespace, 'askr-operator');
    const transitions = (await lease())?.spec.leaseTransitions ?? 0;
    assert.equal(await eventCount('Created'), 1);
    assert.equal(await eventCount('Updated'), 0);

    let r = await j.kubectl(['scale', 'deployment/askr', '-n', release.namespace, '--replicas=0']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('the operator pod to be gone', { timeoutMs: 60_000, intervalMs: 250 }, async () =>
      (await j.cluster.api.getOrUndefined(`/api/v1/namespaces/${release.namespace}/pods/${oldOperator.metadata.name}`)) === undefined);
    r = await j.kubectl(['scale', `askrapp/${app}`, '-n', ns, '--replicas=3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await getApp()).metadata.generation, (before.metadata.generation ?? 0) + 1);
    assert.equal((await deployment())?.spec.replicas, 2, 'nobody acts while the operator is down');

    r = await j.kubectl(['scale', 'deployment/askr', '-n', release.namespace, '--replicas=1']);
    assert.equal(r.code, 0, r.stderr);
    const newOperator = await j.operatorPod();
    assert.notEqual(newOperator.metadata.name, oldOperator.metadata.name);
    const after = await waitForApp('the new generation applied: 3 ready pods, scraped', (a, d) =>
      a.status?.observedGeneration === a.metadata.generation && d?.spec.replicas === 3 && d.status?.readyReplicas === 3 && scrapedPods(a) === 3);
    assert.equal(after.status?.replicas, 3);
    const held = await lease();
    assert.equal(held?.spec.holderIdentity, newOperator.metadata.name);
    assert.equal(held.spec.leaseTransitions, transitions + 1);

    // Nothing redone: no second Created, one Updated, the same admin Secret, the same pods plus one, one rollout step.
    assert.equal(await eventCount('Created'), 1);
    assert.equal(await eventCountOnceAtLeast('Updated', 1), 1);
    assert.equal((await j.client.get(resourceTypes.secrets, ns, `${app}-askr-admin`))?.metadata.resourceVersion, secret?.metadata.resourceVersion);
    const podsAfter = (await pods()).map((p) => p.metadata.uid);
    assert.equal(podsAfter.length, 3);
    for (const uid of podsBefore) assert.ok(podsAfter.includes(uid), 'the running pods were kept');
    assert.equal((await deployment())?.metadata.generation, generationBefore + 1, 'one Deployment change: the replica count');
  });

  it('after an API server restart the operator\'s watches resume: the next change is applied, without a restart', async (t) => {
    const operator = await j.operatorPod();
    const stoppedAt = Date.now();
    await j.cluster.cp.restartApiServer({ graceMs: 1000 });
    const outageMs = Date.now() - stoppedAt;
    const r = await j.kubectl(['scale', `askrapp/${app}`, '-n', ns, '--replicas=2']);
    assert.equal(r.code, 0, r.stderr);
    const a = await waitForApp('scaled back to 2 pods', (x, d) => x.status?.observedGeneration === x.metadata.generation && d?.spec.replicas === 2);
    assert.equal(a.status?.replicas, 2);
    const same = await j.operatorPod();
    assert.equal(same.metadata.name, operator.metadata.name, 'the same operator pod');
    // A leader that cannot renew its Lease for 10 s steps down and exits to restart clean
    // (renewals every 2 s), so only an outage shorter than 8 s must leave it running.
    t.diagnostic(`API server outage: ${outageMs} ms`);
    if (outageMs < 8000) assert.equal(same.status?.containerStatuses?.[0]?.restartCount, 0, 'the operator kept running');
    assert.equal(await eventCountOnceAtLeast('Updated', 2), 2, 'one Updated per spec change');
    assert.equal(await eventCount('Created'), 1);
    // The pods watch resumed too: the scaler saw the third pod leave and scrapes the two that stay.
    await waitForApp('a scrape of the 2 remaining pods', (x) => scrapedPods(x) === 2);
  });

  it('deleting the AskrApp removes everything it owned', async () => {
    const owner = await getApp();
    assert.deepEqual(owner.metadata.finalizers ?? [], [], 'no finalizer holds the app');
    const running = await pods();
    assert.ok(running.length >= 2 && running.every(podReady));
    const rsType: ResourceType = { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true };
    const sliceType: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
    const owned = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const type of [resourceTypes.deployments, rsType, resourceTypes.pods, resourceTypes.services, sliceType, resourceTypes.podDisruptionBudgets, resourceTypes.secrets]) {
        for (const o of (await j.client.list(type, { namespace: ns })).items) out.push(`${type.kind}/${o.metadata.name ?? ''}`);
      }
      return out.sort();
    };
    const before = await owned();
    for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'EndpointSlice', 'PodDisruptionBudget', 'Secret']) {
      assert.ok(before.some((o) => o.startsWith(`${kind}/`)), `a ${kind} exists before`);
    }

    const r = await j.kubectl(['delete', 'askrapp', app, '-n', ns, '--wait=true', '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await j.client.get(resourceTypes.askrApps, ns, app), undefined);
    // The garbage collector follows the owner references; pods leave after their preStop hooks and drain.
    let left: string[] = [];
    await waitFor('every owned object to be gone', { timeoutMs: 150_000, intervalMs: 500 }, async () => {
      left = await owned();
      return left.length === 0;
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; still there: ${left.join(', ')}`, { cause: err });
    });
    for (const pod of running) assert.match(j.cluster.agent.logs(ns, pod.metadata.name, 'sidecar'), /SIGTERM/, `${pod.metadata.name}'s sidecar drained`);
  });
});
