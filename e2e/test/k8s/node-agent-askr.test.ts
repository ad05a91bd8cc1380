import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../src/k8s/images.js';
import type { Pod } from '../../src/k8s/pod-types.js';
import { clusterSkipReason, podReady, startTestCluster } from '../../src/k8s/test-cluster.js';
import type { TestCluster } from '../../src/k8s/test-cluster.js';
import { waitFor } from '../../src/k8s/wait-for.js';

const ns = 'askr-app';

function skipReason(): string | false {
  if (!existsSync(join(repoRoot, 'sidecar', 'dist', 'cli', 'main.js'))) return 'the sidecar is not built: run npm run build';
  if (!existsSync(join(repoRoot, 'examples', 'laravel', 'worker.php'))) return 'examples/laravel/worker.php is missing';
  return clusterSkipReason();
}

/**
 * A pod laid out as Askr runs one: the app container runs the PHP template,
 * the sidecar container runs `askr serve` against it; they share /run/askr (the
 * template socket and the shared-memory file) on a Memory emptyDir, and an
 * init container copies the app's public files to /srv/public for the sidecar.
 */
const laravelPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'laravel', labels: { app: 'laravel' } },
  spec: {
    terminationGracePeriodSeconds: 15,
    initContainers: [{ name: 'public', image: 'askr/laravel:dev', command: ['sh', '-c', 'cp -a /app/public/. /srv/public/'], volumeMounts: [{ name: 'public', mountPath: '/srv/public' }] }],
    containers: [
      {
        name: 'app',
        image: 'askr/laravel:dev',
        command: ['php', '/opt/askr/runtime/template.php'],
        env: [
          { name: 'ASKR_RUN_DIR', value: '/run/askr' },
          { name: 'ASKR_ROOT', value: '/app/public' },
          { name: 'ASKR_WORKER_SCRIPT', value: '/app/worker.php' },
        ],
        volumeMounts: [{ name: 'run', mountPath: '/run/askr' }],
      },
      {
        name: 'sidecar',
        image: 'askr/sidecar:dev',
        args: ['serve'],
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'admin', containerPort: 9180 },
        ],
        env: [
          { name: 'ASKR_LISTEN', value: '0.0.0.0:8080' },
          { name: 'ASKR_ADMIN_LISTEN', value: '0.0.0.0:9180' },
          { name: 'ASKR_RUN_DIR', value: '/run/askr' },
          { name: 'ASKR_TEMPLATE_SOCKET', value: '/run/askr/template.sock' },
          { name: 'ASKR_ROOT', value: '/srv/public' },
          { name: 'ASKR_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'askr-admin', key: 'token' } } },
        ],
        readinessProbe: { httpGet: { path: '/readyz', port: 'admin' }, periodSeconds: 1 },
        volumeMounts: [
          { name: 'run', mountPath: '/run/askr' },
          { name: 'public', mountPath: '/srv/public' },
        ],
      },
    ],
    volumes: [
      { name: 'run', emptyDir: { medium: 'Memory' } },
      { name: 'public', emptyDir: {} },
    ],
  },
};

describe('node agent: a Laravel pod (PHP template + askr sidecar)', { skip: skipReason() }, () => {
  let c: TestCluster;
  let pod: Pod;

  before(async () => {
    c = await startTestCluster({ agent: { namespaces: [ns] } });
    await c.createNamespace(ns);
    await c.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'askr-admin' }, stringData: { token: 'e2e-admin-token' } } });
    await c.api.request('POST', `/api/v1/namespaces/${ns}/pods`, { body: laravelPod });
    pod = await c.waitForPod(ns, 'laravel', podReady, 120_000);
  });
  after(async () => {
    await c.stop();
  });

  it('serves /hello from Laravel on the pod IP, and static files from the sidecar', async () => {
    const ip = pod.status?.podIP ?? '';
    const hello = await fetch(`http://${ip}:8080/hello`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(hello.status, 200);
    assert.equal(await hello.text(), 'Hello, World!');
    const robots = await fetch(`http://${ip}:8080/robots.txt`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(robots.status, 200);
    assert.match(await robots.text(), /User-agent/);
    // The access log says who answered; it is written just after the response.
    await waitFor('the access-log line of /robots.txt', { timeoutMs: 10_000 }, () => /"uri":"\/robots.txt","status":200.*"via":"static"/.test(c.agent.logs(ns, 'laravel', 'sidecar')));
  });

  it("reaches the app and the admin API through the API server's pod proxy", async () => {
    assert.equal(await c.api.request('GET', `/api/v1/namespaces/${ns}/pods/laravel:8080/proxy/hello`), 'Hello, World!');
    // The proxy drops Authorization; the admin API takes its token as X-Askr-Token.
    const metrics = await c.api.request<string>('GET', `/api/v1/namespaces/${ns}/pods/laravel:9180/proxy/metrics`, { headers: { 'x-askr-token': 'e2e-admin-token' } });
    assert.match(metrics, /^askr_workers_alive\b/m);
  });

  it('drains the sidecar and stops the template when the pod is deleted', async () => {
    await c.api.request('DELETE', `/api/v1/namespaces/${ns}/pods/laravel`);
    await waitFor('the pod to be removed', { timeoutMs: 60_000, intervalMs: 200 }, async () => (await c.api.getOrUndefined(`/api/v1/namespaces/${ns}/pods/laravel`)) === undefined);
    await waitFor('the sidecar to log its drain', { timeoutMs: 10_000 }, () => /SIGTERM/.test(c.agent.logs(ns, 'laravel', 'sidecar')));
  });
});
