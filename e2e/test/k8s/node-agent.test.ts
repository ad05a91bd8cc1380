import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { Pod } from '../../src/k8s/pod-types.js';
import { clusterSkipReason, podReady, startTestCluster } from '../../src/k8s/test-cluster.js';
import type { TestCluster } from '../../src/k8s/test-cluster.js';
import { onceWithin, waitFor } from '../../src/k8s/wait-for.js';

const ns = 'agent-test';
const exec = promisify(execFile);

interface NodeObj {
  status: { capacity: Record<string, string>; conditions: { type: string; status: string }[]; addresses: { type: string; address: string }[] };
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `${url} answered ${res.status}`);
  return res.text();
}

/** One GET on a fresh connection. */
function getOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve(text);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer`)));
    req.on('error', reject);
  });
}

describe('node agent: node, pods, network', { skip: clusterSkipReason() }, () => {
  let c: TestCluster;
  let pods: Pod[];

  before(async () => {
    c = await startTestCluster({ agent: { namespaces: [ns] } });
    await c.createNamespace(ns);
  });
  after(async () => {
    await c.stop();
  });

  it('registers a Ready node with capacity and keeps its lease', async () => {
    const node = await c.api.request<NodeObj>('GET', `/api/v1/nodes/${c.agent.nodeName}`);
    assert.equal(node.status.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    assert.ok(Number(node.status.capacity.pods) > 0);
    assert.match(node.status.capacity.memory ?? '', /^\d+Ki$/);
    assert.deepEqual(node.status.addresses.find((a) => a.type === 'InternalIP')?.address, c.cp.podNetwork.gateway);
    const lease = await c.api.request<{ spec: { holderIdentity: string; renewTime: string } }>('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${c.agent.nodeName}`);
    assert.equal(lease.spec.holderIdentity, c.agent.nodeName);
  });

  it("runs a Deployment's pods, each with its own IP and the same port", async () => {
    await c.api.request('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'echo' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'echo' } },
          template: {
            metadata: { labels: { app: 'echo' } },
            spec: {
              terminationGracePeriodSeconds: 5,
              containers: [{ name: 'echo', image: 'askr-e2e/echo:dev', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 } }],
            },
          },
        },
      },
    });
    pods = await waitFor('two ready pods', { timeoutMs: 90_000, intervalMs: 250 }, async () => {
      const list = await c.api.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: 'app=echo' } });
      return list.items.length === 2 && list.items.every(podReady) ? list.items : undefined;
    });
    const ips = pods.map((p) => p.status?.podIP ?? '');
    assert.notEqual(ips[0], ips[1]);
    for (const [i, p] of pods.entries()) {
      assert.ok(ips[i]?.startsWith(`${c.cp.podNetwork.prefix}.`), `${ips[i] ?? ''} is in ${c.cp.podNetwork.cidr}`);
      assert.equal(p.spec.nodeName, c.agent.nodeName);
      assert.equal(p.status?.phase, 'Running');
      // Same port in every pod: each answers on its own IP with its own hostname.
      const info = JSON.parse(await getText(`http://${ips[i] ?? ''}:8080/`)) as { hostname: string; addresses: string[] };
      assert.equal(info.hostname, p.metadata.name);
      assert.ok(info.addresses.includes(ips[i] ?? ''));
    }
  });

  it('lets pods reach each other on their pod IPs', async () => {
    const [a, b] = pods;
    const r = JSON.parse(await getText(`http://${a?.status?.podIP ?? ''}:8080/fetch?url=${encodeURIComponent(`http://${b?.status?.podIP ?? ''}:8080/`)}`)) as { status: number; body: string };
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { hostname: string }).hostname, b?.metadata.name);
  });

  it('resolves Services by cluster DNS: a headless one to its ready pods, others to their ClusterIP', async () => {
    await c.api.request('POST', `/api/v1/namespaces/${ns}/services`, {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo-peers' }, spec: { clusterIP: 'None', selector: { app: 'echo' }, ports: [{ name: 'http', port: 8080 }] } },
    });
    const svc = await c.api.request<{ spec: { clusterIP: string } }>('POST', `/api/v1/namespaces/${ns}/services`, {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    });
    const ip = pods[0]?.status?.podIP ?? '';
    const resolve = async (name: string): Promise<{ status: number; body: string }> => JSON.parse(await getText(`http://${ip}:8080/dns?name=${name}`)) as { status: number; body: string };
    const podIps = JSON.stringify(pods.map((p) => p.status?.podIP ?? '').sort());
    // The short name goes through the pod's search path, as a Deployment's env would give it.
    await waitFor('the headless Service to list both pods', { timeoutMs: 30_000, intervalMs: 250 }, async () => (await resolve(`echo-peers.${ns}.svc`)).body === podIps);
    assert.deepEqual(await resolve(`echo-peers.${ns}.svc.cluster.local`), { status: 200, body: podIps });
    assert.deepEqual(await resolve('echo'), { status: 200, body: JSON.stringify([svc.spec.clusterIP]) });
    assert.deepEqual(await resolve(`absent.${ns}.svc.cluster.local`), { status: 404, body: 'ENOTFOUND' });
  });

  it('routes a ClusterIP Service to its ready pods, from the host and from pods', async () => {
    const svc = await c.api.request<{ spec: { clusterIP: string } }>('GET', `/api/v1/namespaces/${ns}/services/echo`);
    assert.ok(svc.spec.clusterIP.startsWith(c.cp.podNetwork.serviceCidr.split('.').slice(0, 3).join('.')));
    // A new connection per request: round-robin spreads them over both pods, once the service
    // proxy has learned both endpoints through its own watch (it may route to one, or none, at first).
    const want = pods.map((p) => p.metadata.name).sort();
    const seen = new Set<string>();
    await waitFor(`requests through the ClusterIP to reach both pods (${want.join(', ')})`, { timeoutMs: 30_000, intervalMs: 100 }, async () => {
      seen.add((JSON.parse(await getOnce(`http://${svc.spec.clusterIP}:80/`)) as { hostname: string }).hostname);
      return want.every((n) => seen.has(n));
    });
    assert.deepEqual([...seen].sort(), want, 'only the Service\'s pods answered');
    const ip = pods[0]?.status?.podIP ?? '';
    const viaPod = JSON.parse(await getText(`http://${ip}:8080/fetch?url=${encodeURIComponent(`http://echo.${ns}.svc.cluster.local/`)}`)) as { status: number };
    assert.equal(viaPod.status, 200);
  });

  it("reaches a pod through the API server's pod proxy", async () => {
    const name = pods[0]?.metadata.name ?? '';
    const text = await c.api.request<string>('GET', `/api/v1/namespaces/${ns}/pods/${name}:8080/proxy/env/HOSTNAME`);
    assert.equal(text, name);
  });

  it('serves container logs to kubectl logs through the API server', async () => {
    const name = pods[0]?.metadata.name ?? '';
    const { stdout } = await exec('kubectl', ['logs', '-n', ns, name, '-c', 'echo', '--tail=1'], { env: c.cp.env, timeout: 30_000 });
    assert.match(stdout, new RegExp(`^echo-server: listening on 8080 as ${name} `));
  });

  it("forwards a pod's port over the API server's WebSocket port-forward", async () => {
    const name = pods[0]?.metadata.name ?? '';
    const ws = new WebSocket(`${c.cp.server.replace('https', 'wss')}/api/v1/namespaces/${ns}/pods/${name}/portforward?ports=8080`, ['v4.channel.k8s.io'], {
      ca: readFileSync(c.cp.caPath),
      headers: { authorization: `Bearer ${c.cp.token}` },
    });
    const received: Buffer[] = [];
    let portHeaders = 0;
    ws.on('message', (data: Buffer) => {
      // Each channel opens with the port (2 bytes, little-endian); then channel 0 is the data.
      if (portHeaders < 2) {
        assert.equal(data.readUInt16LE(1), 8080);
        portHeaders++;
      } else if (data[0] === 0) {
        received.push(data.subarray(1));
      }
    });
    await onceWithin(ws, 'open', 10_000, 'the port-forward WebSocket to open');
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /env/HOSTNAME HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n')]));
    // The pod closes the connection after its answer (Connection: close), which ends the stream.
    await onceWithin(ws, 'close', 10_000, 'the port-forward WebSocket to close after the answer');
    const answer = Buffer.concat(received).toString();
    assert.match(answer, /^HTTP\/1.1 200 OK\r\n/);
    assert.ok(answer.includes(`\r\n${name}\r\n`), answer);
  });

  it('gives pods in-cluster API access as their service account, under RBAC', async () => {
    const ip = pods[0]?.status?.podIP ?? '';
    const version = JSON.parse(await getText(`http://${ip}:8080/kube?path=/version`)) as { status: number; body: string };
    assert.equal(version.status, 200, version.body);
    const denied = JSON.parse(await getText(`http://${ip}:8080/kube?path=${encodeURIComponent(`/api/v1/namespaces/${ns}/secrets`)}`)) as { status: number; body: string };
    assert.equal(denied.status, 403);
    assert.match(denied.body, new RegExp(`system:serviceaccount:${ns}:default`));
  });

  it("stops a deleted Deployment's pods and releases their networks", async () => {
    await c.api.request('DELETE', `/apis/apps/v1/namespaces/${ns}/deployments/echo`, { body: { propagationPolicy: 'Foreground' } });
    await waitFor('the pods to be gone', { timeoutMs: 60_000, intervalMs: 250 }, async () => (await c.api.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${ns}/pods`)).items.length === 0);
    for (const p of pods) {
      const res = await fetch(`http://${p.status?.podIP ?? ''}:8080/`, { signal: AbortSignal.timeout(1000) }).catch((err: unknown) => err);
      assert.ok(res instanceof Error, `${p.metadata.name} no longer answers`);
    }
  });
});
