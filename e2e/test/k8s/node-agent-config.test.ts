import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HarnessRun } from '../../src/k8s/harness-run.js';
import { repoRoot } from '../../src/k8s/images.js';
import type { Container, Pod } from '../../src/k8s/pod-types.js';
import { clusterSkipReason, podReady, startTestCluster } from '../../src/k8s/test-cluster.js';
import type { TestCluster } from '../../src/k8s/test-cluster.js';

const ns = 'agent-config';

/** The echo image with a readiness probe, so Ready means it answers. */
function echo(name: string, port: number, extra: Partial<Container> = {}): Container {
  return { name, image: 'askr-e2e/echo:dev', ...(port === 8080 ? {} : { args: [String(port)] }), readinessProbe: { tcpSocket: { port }, periodSeconds: 1 }, ...extra };
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

describe('node agent: env, volumes, images, init containers', { skip: clusterSkipReason() }, () => {
  let c: TestCluster;

  before(async () => {
    c = await startTestCluster({ agent: { namespaces: [ns], backoff: { initialMs: 500 } } });
    await c.createNamespace(ns);
    await c.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app' }, stringData: { token: 's3cret', 'tls.key': 'KEY' } } });
    await c.api.request('POST', `/api/v1/namespaces/${ns}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { mode: 'prod', 'app.ini': 'x=1\n' } } });
  });
  after(async () => {
    await c.stop();
  });

  async function runPod(name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): Promise<Pod> {
    await c.api.request('POST', `/api/v1/namespaces/${ns}/pods`, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { terminationGracePeriodSeconds: 2, ...spec } } });
    return c.waitForPod(ns, name, podReady);
  }

  it('resolves env as a kubelet: values, $(VAR), Secret and ConfigMap keys, fieldRef, resourceFieldRef, envFrom', async () => {
    const container: Container = {
      name: 'echo',
      image: 'askr-e2e/echo:dev',
      // The port comes from the env through $(VAR) expansion in args.
      args: ['$(LISTEN_PORT)'],
      resources: { limits: { memory: '256Mi' } },
      envFrom: [{ configMapRef: { name: 'app' }, prefix: 'CM_' }],
      env: [
        { name: 'LISTEN_PORT', value: '9090' },
        { name: 'GREETING', value: 'port $(LISTEN_PORT), literal $$(LISTEN_PORT), unknown $(NOPE)' },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'app', key: 'token' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app', key: 'mode' } } },
        { name: 'MISSING', valueFrom: { secretKeyRef: { name: 'absent', key: 'x', optional: true } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
        { name: 'MEM_MB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      ],
      readinessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 1 },
    };
    const pod = await runPod('env', { containers: [container] }, { tier: 'web' });
    const base = `http://${pod.status?.podIP ?? ''}:9090/env`;
    const expect: Record<string, string> = {
      GREETING: 'port 9090, literal $(LISTEN_PORT), unknown $(NOPE)',
      TOKEN: 's3cret',
      MODE: 'prod',
      CM_mode: 'prod',
      POD_IP: pod.status?.podIP ?? '',
      POD_NAME: 'env',
      POD_NS: ns,
      TIER: 'web',
      MEM_MB: '256',
      KUBERNETES_SERVICE_HOST: c.cp.podNetwork.gateway,
      HOSTNAME: 'env',
    };
    for (const [k, v] of Object.entries(expect)) assert.deepEqual(await get(`${base}/${k}`), { status: 200, text: v }, k);
    assert.equal((await get(`${base}/MISSING`)).status, 404, 'an optional missing key leaves the variable unset');
  });

  it('keeps a container waiting with CreateContainerConfigError while a Secret is missing', async () => {
    await c.api.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'needs-secret' }, spec: { containers: [echo('echo', 8080, { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'later', key: 'x' } } }] })] } },
    });
    const waiting = await c.waitForPod(ns, 'needs-secret', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError');
    assert.match(waiting.status?.containerStatuses?.[0]?.state.waiting?.message ?? '', /secret "later" not found/);
    await c.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'later' }, stringData: { x: 'now' } } });
    const pod = await c.waitForPod(ns, 'needs-secret', podReady);
    assert.deepEqual(await get(`http://${pod.status?.podIP ?? ''}:8080/env/X`), { status: 200, text: 'now' });
  });

  it('mounts volumes at their paths: a shared emptyDir, Memory emptyDir, ConfigMap, Secret, downward API', async () => {
    const mounts = [
      { name: 'run', mountPath: '/run/askr' },
      { name: 'public', mountPath: '/srv/public' },
      { name: 'config', mountPath: '/etc/askr-e2e/config', readOnly: true },
      { name: 'secret', mountPath: '/etc/askr-e2e/secret', readOnly: true },
      { name: 'info', mountPath: '/etc/askr-e2e/info' },
    ];
    const pod = await runPod(
      'volumes',
      {
        containers: [
          echo('a', 8080, { volumeMounts: mounts }),
          echo('b', 8081, { volumeMounts: mounts.slice(0, 2) }),
        ],
        volumes: [
          { name: 'run', emptyDir: { medium: 'Memory' } },
          { name: 'public', emptyDir: {} },
          { name: 'config', configMap: { name: 'app', items: [{ key: 'app.ini', path: 'app.ini' }] } },
          { name: 'secret', secret: { secretName: 'app', defaultMode: 0o400 } },
          { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
      { app: 'vol' },
    );
    const ip = pod.status?.podIP ?? '';
    // Written by one container, read by the other: the same emptyDir at the same path in both.
    for (const dir of ['/run/askr', '/srv/public']) {
      assert.equal((await get(`http://${ip}:8080/file?path=${dir}/hello`, { method: 'PUT', body: `from a in ${dir}` })).status, 200);
      assert.deepEqual(await get(`http://${ip}:8081/file?path=${dir}/hello`), { status: 200, text: `from a in ${dir}` });
    }
    const memDir = join(HarnessRun.current().shmDir, pod.metadata.uid, 'run');
    assert.ok(existsSync(join(memDir, 'hello')), 'the Memory emptyDir lives on tmpfs (/dev/shm)');
    assert.deepEqual(await get(`http://${ip}:8080/file?path=/etc/askr-e2e/config/app.ini`), { status: 200, text: 'x=1\n' });
    assert.deepEqual(await get(`http://${ip}:8080/file?path=/etc/askr-e2e/secret/token`), { status: 200, text: 's3cret' });
    assert.deepEqual(await get(`http://${ip}:8080/file?path=/etc/askr-e2e/info/labels`), { status: 200, text: 'app="vol"' });
    assert.equal((await get(`http://${ip}:8080/file?path=/etc/askr-e2e/config/new`, { method: 'PUT', body: 'x' })).status, 500, 'readOnly mounts refuse writes');
    // Nothing leaks to the host's view of those paths.
    assert.equal(existsSync('/run/askr/hello'), false);
    assert.deepEqual(existsSync('/srv/public') ? readdirSync('/srv/public') : [], []);
  });

  it('runs init containers to completion first, and image layers copy-on-write', async () => {
    await c.api.request('POST', `/api/v1/namespaces/${ns}/pods`, {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'php' },
        spec: {
          restartPolicy: 'Never',
          initContainers: [{ name: 'prepare', image: 'askr/php:dev', command: ['sh', '-c', 'echo prepared > /work/step && touch /opt/askr/runtime/cow-probe'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
          containers: [
            {
              name: 'main',
              image: 'askr/php:dev',
              command: ['php', '-r', 'echo trim(file_get_contents("/work/step")), " ", is_file("/opt/askr/runtime/bootstrap.php") ? "runtime" : "no-runtime", " ", file_exists("/opt/askr/runtime/cow-probe") ? "leaked" : "isolated", " ", getcwd(), "\\n";'],
              volumeMounts: [{ name: 'work', mountPath: '/work' }],
            },
          ],
          volumes: [{ name: 'work', emptyDir: {} }],
        },
      },
    });
    const pod = await c.waitForPod(ns, 'php', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    assert.equal(pod.status?.initContainerStatuses?.[0]?.state.terminated?.reason, 'Completed');
    assert.equal(pod.status.phase, 'Succeeded', c.agent.logs(ns, 'php', 'main'));
    // The init container's write to an image layer stayed in its own container.
    assert.equal(c.agent.logs(ns, 'php', 'main').trim(), 'prepared runtime isolated /app');
    assert.equal(existsSync(join(repoRoot, 'php-image', 'runtime', 'cow-probe')), false, 'image layers are never written through');
  });

  it('reports ErrImagePull for an image the registry does not know', async () => {
    await c.api.request('POST', `/api/v1/namespaces/${ns}/pods`, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unknown-image' }, spec: { containers: [{ name: 'x', image: 'example.com/nope:1' }] } } });
    const pod = await c.waitForPod(ns, 'unknown-image', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'ErrImagePull');
    assert.equal(pod.status?.phase, 'Pending');
  });
});
