// Many pods as one on a real control plane: the operator runs an AskrApp with
// three replicas on the test node agent; the sidecars find each other through
// the headless peer Service (cluster DNS) and authenticate with the peer
// secret the operator generated. With the official clients, against each
// pod's IP: a trigger in pod 1 reaches subscribers on pods 2 and 3 once;
// presence is the union of every pod; a forget in pod 3 makes pods 1 and 2
// miss; a sidecar SIGKILLed and restarted by the kubelet with its shared memory
// kept never serves a tag forgotten while it was down, and serves the rest of
// its cache again once its peers caught it up; a deleted pod's replacement
// joins the mesh.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import PusherServer from 'pusher';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { KubeClient } from '../../../operator/src/kube/kube-client.js';
import { loadKubeConfig } from '../../../operator/src/kube/load-kube-config.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { repoRoot } from '../../src/k8s/images.js';
import type { Pod } from '../../src/k8s/pod-types.js';
import { clusterSkipReason, podReady, startTestCluster, type TestCluster } from '../../src/k8s/test-cluster.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { http } from '../../src/http-client.js';
import { writeApp } from '../many-pods-harness.js';
import { APP, asPresence, connect, disconnectAll, subscribed, until, type PusherClient } from '../pusher-harness.js';
import { adminToken, createApp, startOperator, type RunningOperator } from './operator-support.js';

const ns = 'many-pods';
const name = 'shop';

function skipReason(): string | false {
  if (!existsSync(join(repoRoot, 'sidecar', 'dist', 'cli', 'main.js'))) return 'the sidecar is not built: run npm run build';
  return clusterSkipReason();
}

describe('many pods on Kubernetes: an AskrApp with three replicas', { skip: skipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'askr-k8s-many-pods-'));
  let c: TestCluster;
  let kube: KubeClient;
  let op: RunningOperator | undefined;
  let token = '';
  const clients: PusherClient[] = [];

  /** The app's Ready pods, by name. */
  const readyPods = async (): Promise<Pod[]> => {
    const list = await c.api.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: `askr.dev/app=${name}` } });
    return list.items.filter((p) => podReady(p) && p.metadata.deletionTimestamp === undefined).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };
  const ipOf = (p: Pod): string => p.status?.podIP ?? '';
  const admin = async (p: Pod, path: string): Promise<string> => (await http(`http://${ipOf(p)}:9180${path}`, { headers: { 'x-askr-token': token }, timeoutMs: 10_000 })).text;
  const metric = async (p: Pod, metricName: string): Promise<number> => Number(new RegExp(`^${metricName} (\\S+)$`, 'm').exec(await admin(p, '/metrics'))?.[1] ?? NaN);
  interface Status { pid: number; peers: { holdingKeptCache: boolean; outbound: { address: string; state: string }[] } }
  const status = async (p: Pod): Promise<Status> => JSON.parse(await admin(p, '/askr/status')) as Status;
  const page = async (p: Pod, path: string): Promise<{ cache: string; body: string }> => {
    const r = await http(`http://${ipOf(p)}:8080${path}`, { headers: { host: 'shop.test' }, timeoutMs: 20_000 });
    assert.equal(r.status, 200, r.text);
    return { cache: String(r.headers['x-askr-cache'] ?? ''), body: r.text };
  };
  const cached = async (p: Pod, path: string): Promise<string> => {
    await page(p, path);
    const again = await page(p, path);
    assert.equal(again.cache, 'HIT');
    return again.body;
  };
  const forget = async (p: Pod, tag: string): Promise<void> => {
    const r = await http(`http://${ipOf(p)}:8080/forget/${tag}`, { method: 'POST', timeoutMs: 20_000 });
    assert.equal(r.status, 200, r.text);
  };
  const sdk = (p: Pod): PusherServer => new PusherServer({ appId: APP.id, key: APP.key, secret: APP.secret, host: ipOf(p), port: '8080', useTLS: false });
  const client = async (p: Pod, user: string): Promise<PusherClient> => {
    const cl = await connect(8080, { user, extra: { wsHost: ipOf(p) } });
    clients.push(cl);
    return cl;
  };
  /** Three Ready pods, each streaming to the two others. */
  const meshed = async (): Promise<Pod[]> => {
    const pods = await waitFor('three Ready pods', { timeoutMs: 180_000, intervalMs: 500 }, async () => {
      const ready = await readyPods();
      return ready.length === 3 ? ready : undefined;
    });
    for (const p of pods) {
      await waitFor(`${p.metadata.name} linked to both peers`, { timeoutMs: 60_000, intervalMs: 250 }, async () => (await metric(p, 'askr_peers_connected').catch(() => NaN)) === 2);
    }
    return pods;
  };

  before(async () => {
    // A quick restart after a crash, as for a first crash on a real kubelet.
    c = await startTestCluster({ agent: { namespaces: [ns], backoff: { initialMs: 1000, maxMs: 4000 } } });
    const php = c.agent.images.resolve('askr/php:dev');
    c.agent.images.register('askr-e2e/many-pods:dev', { ...php, layers: [{ hostPath: join(writeApp(dir), '..'), containerPath: '/app' }, ...php.layers] });
    c.agent.images.register('askr-e2e/sidecar:dev', c.agent.images.resolve('askr/sidecar:dev'));
    kube = new KubeClient(loadKubeConfig({ kubeconfig: c.cp.kubeconfigPath }));
    const crd = yaml.load(readFileSync(join(repoRoot, 'crds', 'askr.dev_askrapps.yaml'), 'utf8')) as KubeObject;
    await kube.apply(resourceTypes.customResourceDefinitions, crd, 'askr-e2e');
    await waitFor('the AskrApp CRD to be Established', { timeoutMs: 30_000, intervalMs: 100 }, async () => {
      const got = await kube.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(resourceTypes.customResourceDefinitions, undefined, 'askrapps.askr.dev');
      return got?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    });
    await c.createNamespace(ns);
    await c.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pusher' }, stringData: { secret: APP.secret } } });
    op = await startOperator(kube);
    await createApp(kube, ns, name, {
      image: 'askr-e2e/many-pods:dev',
      documentRoot: '/app/public',
      replicas: { min: 3, max: 3, count: 3 },
      // A short drain keeps pod deletion (and the cluster's teardown) quick.
      workers: { min: 1, max: 2, requestTimeoutSeconds: 5 },
      responseCache: { sizeMB: 16 },
      pusher: { enabled: true, appId: APP.id, key: APP.key, secretRef: { name: 'pusher', key: 'secret' } },
      recordErrors: { enabled: false },
    });
    token = await adminToken(kube, ns, name);
    await meshed();
  });
  after(async () => {
    disconnectAll(clients);
    await op?.stop();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a trigger in pod 1 reaches the subscribers on pods 2 and 3 once each', async () => {
    const pods = await meshed();
    const got: unknown[][] = [];
    for (const p of pods) {
      const ch = await subscribed(await client(p, 'reader'), 'orders');
      const list: unknown[] = [];
      got.push(list);
      ch.bind('shipped', (d: unknown) => list.push(d));
      ch.bind('fence', () => list.push('fence'));
    }
    const first = sdk(pods[0] as Pod);
    await waitFor('pod 1 to count every pod\'s subscriber', { timeoutMs: 20_000, intervalMs: 100 }, async () =>
      ((await (await first.get({ path: '/channels/orders', params: { info: 'subscription_count' } })).json()) as { subscription_count?: number }).subscription_count === 3);
    await first.trigger('orders', 'shipped', { id: 7 });
    await first.trigger('orders', 'fence', {});
    await until(() => got.every((l) => l.includes('fence')), 'the events on every pod', 20_000);
    for (const l of got) assert.deepEqual(l, [{ id: 7 }, 'fence']);
  });

  it('presence is the union of every pod, and a SIGKILLed sidecar\'s members leave everywhere once', async () => {
    const [p1, p2, p3] = (await meshed()) as [Pod, Pod, Pod];
    // Membership crosses pods over the peer mesh, so another pod's view converges shortly after a join.
    const userIds = async (p: Pod): Promise<string> =>
      ((await (await sdk(p).get({ path: '/channels/presence-room/users' })).json()) as { users: { id: string }[] }).users.map((u) => u.id).sort().join();
    const everyPodLists = async (members: string): Promise<void> => {
      for (const p of [p1, p2, p3]) {
        await waitFor(`pod ${p.metadata.name} to list ${members}`, { timeoutMs: 10_000, intervalMs: 50 }, async () => (await userIds(p)) === members);
      }
    };
    const annRoom = asPresence(await subscribed(await client(p1, 'ann'), 'presence-room'));
    const bobRoom = asPresence(await subscribed(await client(p2, 'bob'), 'presence-room'));
    await everyPodLists('ann,bob');
    const cid = await client(p3, 'cid');
    const removed: Record<string, string[]> = { ann: [], bob: [] };
    annRoom.bind('pusher:member_removed', (m: { id: string }) => removed.ann?.push(m.id));
    bobRoom.bind('pusher:member_removed', (m: { id: string }) => removed.bob?.push(m.id));
    const cidRoom = asPresence(await subscribed(cid, 'presence-room'));
    assert.equal(cidRoom.members.count, 3, 'cid, on pod 3, sees the members connected to pods 1 and 2');
    await everyPodLists('ann,bob,cid');

    process.kill((await status(p3)).pid, 'SIGKILL');
    // cid stays away: its client would otherwise reconnect to the restarted sidecar and join again.
    cid.disconnect();
    await until(() => removed.ann?.includes('cid') === true && removed.bob?.includes('cid') === true, "cid's member_removed on pods 1 and 2", 30_000);
    const fenced: string[] = [];
    annRoom.bind('fence', () => fenced.push('ann'));
    bobRoom.bind('fence', () => fenced.push('bob'));
    await sdk(p1).trigger('presence-room', 'fence', {});
    await until(() => fenced.length === 2, 'the fence', 10_000);
    assert.deepEqual(removed, { ann: ['cid'], bob: ['cid'] });
    await meshed();
  });

  it('a forget in pod 3 makes pods 1 and 2 miss', async () => {
    const [p1, p2, p3] = (await meshed()) as [Pod, Pod, Pod];
    const before1 = await cached(p1, '/page/posts');
    const before2 = await cached(p2, '/page/posts');
    await forget(p3, 'posts');
    await waitFor('pods 1 and 2 to miss', { timeoutMs: 20_000, intervalMs: 50 }, async () => (await page(p1, '/page/posts')).body !== before1 && (await page(p2, '/page/posts')).body !== before2);
  });

  it('a sidecar restarted with its shared memory kept never serves a tag forgotten while it was down', async () => {
    const [p1, p2] = (await meshed()) as [Pod, Pod, Pod];
    const gone = await cached(p2, '/page/gone');
    const kept = await cached(p2, '/page/kept');
    const pid = (await status(p2)).pid;
    process.kill(pid, 'SIGKILL');
    await forget(p1, 'gone');
    // Every answer of the restarted sidecar, from the first one on: never the page cached before the forget.
    const served: string[] = [];
    await waitFor('the sidecar of pod 2 to be back and caught up', { timeoutMs: 60_000, intervalMs: 100 }, async () => {
      const s = await status(p2).catch(() => undefined);
      if (s?.pid === undefined || s.pid === pid) return false;
      served.push((await page(p2, '/page/gone')).body);
      return !s.peers.holdingKeptCache;
    });
    served.push((await page(p2, '/page/gone')).body);
    assert.ok(served.length >= 2 && !served.includes(gone), `served ${JSON.stringify(served)}`);
    assert.deepEqual(await page(p2, '/page/kept'), { cache: 'HIT', body: kept }, 'the rest of the kept cache is served again');
  });

  it("a deleted pod's replacement joins the mesh through the headless Service", async () => {
    const [p1] = (await meshed()) as [Pod, Pod, Pod];
    await c.api.request('DELETE', `/api/v1/namespaces/${ns}/pods/${p1.metadata.name}`);
    // The terminating pod drains for a while; its replacement must be linked with the two others meanwhile.
    const pods = await meshed();
    assert.ok(pods.every((p) => p.metadata.name !== p1.metadata.name));
    for (const p of pods) {
      await waitFor(`${p.metadata.name} streaming to the two others`, { timeoutMs: 60_000, intervalMs: 250 }, async () => {
        const out = (await status(p)).peers.outbound;
        return pods.filter((q) => q !== p).every((q) => out.some((o) => o.address === `${ipOf(q)}:9180` && o.state === 'streaming'));
      });
    }
  });
});
