import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDeployment } from '../src/app/build-deployment.js';
import type { Container, EnvVar } from '../src/kube/workload-types.js';
import { app } from './fixtures.js';

const env = (c: Container): Record<string, EnvVar> => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));

test('the pod follows the sidecar contract: shared /run/askr in memory, public copy, env, ports, probes', () => {
  const d = buildDeployment(app({ image: 'shop:1', workerScript: '/app/worker.php', documentRoot: '/app/public/' }), { sidecarImage: 'askr/sidecar:1', replicas: 3 });
  assert.equal(d.spec.replicas, 3);
  assert.deepEqual(d.spec.selector.matchLabels, { 'askr.dev/app': 'shop' });
  assert.deepEqual(d.metadata.ownerReferences?.[0], {
    apiVersion: 'askr.dev/v1alpha1', kind: 'AskrApp', name: 'shop', uid: '0d9a4e4e-1111-4222-8333-944455556666', controller: true, blockOwnerDeletion: true,
  });
  const pod = d.spec.template.spec;
  assert.deepEqual(pod.volumes, [
    { name: 'askr-run', emptyDir: { medium: 'Memory', sizeLimit: '80Mi' } },
    { name: 'askr-public', emptyDir: {} },
  ]);
  assert.deepEqual(pod.initContainers![0]!.command, ['cp', '-R', '/app/public/.', '/srv/public/']);
  assert.equal(pod.initContainers![0]!.image, 'shop:1');

  const appC = pod.containers[0]!;
  const sidecar = pod.containers[1]!;
  assert.equal(appC.name, 'app');
  assert.deepEqual(appC.command, ['php', '/opt/askr/runtime/template.php']);
  assert.deepEqual(appC.volumeMounts, [{ name: 'askr-run', mountPath: '/run/askr' }]);
  assert.deepEqual(env(appC).ASKR_WORKER_SCRIPT, { name: 'ASKR_WORKER_SCRIPT', value: '/app/worker.php' });
  assert.equal(env(appC).ASKR_RUN_DIR?.value, '/run/askr');

  assert.equal(sidecar.name, 'sidecar');
  assert.equal(sidecar.image, 'askr/sidecar:1');
  assert.deepEqual(sidecar.args, ['serve']);
  const s = env(sidecar);
  assert.equal(s.ASKR_LISTEN?.value, '0.0.0.0:8080');
  assert.equal(s.ASKR_ADMIN_LISTEN?.value, '0.0.0.0:9180');
  assert.deepEqual(s.ASKR_ADMIN_TOKEN?.valueFrom, { secretKeyRef: { name: 'shop-askr-admin', key: 'admin-token' } });
  assert.deepEqual(s.ASKR_PEER_SECRET?.valueFrom, { secretKeyRef: { name: 'shop-askr-admin', key: 'peer-secret' } });
  assert.equal(s.ASKR_TEMPLATE_SOCKET?.value, '/run/askr/template.sock');
  assert.equal(s.ASKR_ROOT?.value, '/srv/public');
  assert.equal(s.ASKR_WORKERS_MIN?.value, '2');
  assert.equal(s.ASKR_WORKERS_MAX?.value, '2', 'pods start at the bottom of the range');
  assert.equal(s.ASKR_REQUEST_TIMEOUT?.value, '60');
  assert.equal(s.ASKR_MAX_MEMORY?.value, '256');
  assert.equal(s.ASKR_DISPATCH_AHEAD?.value, 'true');
  assert.equal(s.ASKR_RESPONSE_CACHE?.value, '0');
  assert.equal(s.ASKR_PUSHER?.value, 'false');
  assert.equal(s.ASKR_PUSHER_SECRET, undefined);
  assert.equal(s.ASKR_RECORD_ERRORS?.value, '/run/askr/errors');
  assert.equal(s.ASKR_RECORD_MAX_BYTES?.value, String(16 * 1024 * 1024));
  assert.equal(s.ASKR_PEER_DNS?.value, 'shop-peers.web.svc');
  assert.equal(s.ASKR_ACCESS_LOG?.value, 'stdout');
  assert.deepEqual(sidecar.ports?.map((p) => [p.name, p.containerPort]), [['http', 8080], ['admin', 9180]]);
  assert.deepEqual(sidecar.livenessProbe?.httpGet, { path: '/healthz', port: 'admin' });
  assert.deepEqual(sidecar.readinessProbe?.httpGet, { path: '/readyz', port: 'admin' });
  assert.deepEqual(sidecar.volumeMounts, [{ name: 'askr-run', mountPath: '/run/askr' }, { name: 'askr-public', mountPath: '/srv/public', readOnly: true }]);
});

test('workers.dispatchAhead: false reaches the sidecar as ASKR_DISPATCH_AHEAD=false', () => {
  const d = buildDeployment(app({ image: 'shop:1', workers: { dispatchAhead: false } }), { sidecarImage: 's', replicas: 1 });
  const sidecar = d.spec.template.spec.containers[1]!;
  assert.equal(env(sidecar).ASKR_DISPATCH_AHEAD?.value, 'false');
});

test('termination: grace > preStop + drain > request timeout, and the template outlives the sidecar', () => {
  const d = buildDeployment(app({ image: 'shop:1', workers: { requestTimeoutSeconds: 120 } }), { sidecarImage: 's', replicas: 1 });
  const pod = d.spec.template.spec;
  const appC = pod.containers[0]!;
  const sidecar = pod.containers[1]!;
  const sidecarStop = sidecar.lifecycle?.preStop?.sleep?.seconds ?? 0;
  // The app container waits for the sidecar's drained marker, with the whole sequence as its budget.
  const waitCommand = appC.lifecycle?.preStop?.exec?.command ?? [];
  assert.deepEqual(waitCommand.slice(0, 3), ['php', '/opt/askr/runtime/await-drain.php', '/run/askr']);
  const appStop = Number(waitCommand[3]);
  const grace = pod.terminationGracePeriodSeconds ?? 0;
  assert.ok(sidecarStop > 0);
  assert.ok(appStop >= sidecarStop + 120, 'the template stays up while the sidecar drains');
  assert.ok(grace > appStop, 'the grace period covers the whole sequence');
});

test('classic mode, pusher, no recording, resources, env and scheduling pass through', () => {
  const d = buildDeployment(app({
    image: 'shop:2', imagePullPolicy: 'Always', sidecarImage: 'custom/sidecar:9',
    pusher: { enabled: true, appId: '1', key: 'k', secretRef: { name: 'pusher' } },
    recordErrors: { enabled: false }, responseCache: { sizeMB: 256 },
    resources: { app: { limits: { memory: '1Gi' } }, sidecar: { requests: { cpu: '50m' } } },
    env: [{ name: 'APP_ENV', value: 'production' }], envFrom: [{ secretRef: { name: 'shop-env' } }],
    nodeSelector: { pool: 'web' }, imagePullSecrets: ['regcred'], serviceAccountName: 'shop',
  }), { sidecarImage: 'default/sidecar:1', replicas: 2 });
  const pod = d.spec.template.spec;
  const appC = pod.containers[0]!;
  const sidecar = pod.containers[1]!;
  assert.equal(env(appC).ASKR_WORKER_SCRIPT, undefined, 'classic mode: no worker script');
  assert.equal(env(appC).APP_ENV?.value, 'production');
  assert.deepEqual(appC.envFrom, [{ secretRef: { name: 'shop-env' } }]);
  assert.deepEqual(appC.resources, { limits: { memory: '1Gi' } });
  assert.equal(appC.imagePullPolicy, 'Always');
  assert.equal(sidecar.image, 'custom/sidecar:9');
  assert.deepEqual(sidecar.resources, { requests: { cpu: '50m' } });
  const s = env(sidecar);
  assert.equal(s.ASKR_PUSHER?.value, 'true');
  assert.deepEqual(s.ASKR_PUSHER_SECRET?.valueFrom, { secretKeyRef: { name: 'pusher', key: 'secret' } });
  assert.equal(s.ASKR_RECORD_ERRORS, undefined);
  assert.equal(s.ASKR_RESPONSE_CACHE?.value, '256');
  assert.deepEqual(pod.volumes?.[0]?.emptyDir, { medium: 'Memory', sizeLimit: '320Mi' });
  assert.deepEqual(pod.nodeSelector, { pool: 'web' });
  assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
  assert.equal(pod.serviceAccountName, 'shop');
  assert.equal(pod.automountServiceAccountToken, true);
});

test('pods run as non-root with no privilege escalation and a read-only sidecar', () => {
  const pod = buildDeployment(app({ image: 'x' }), { sidecarImage: 's', replicas: 1 }).spec.template.spec;
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(pod.automountServiceAccountToken, false);
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const readOnlyRoot = c.name !== 'app';
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: readOnlyRoot, capabilities: { drop: ['ALL'] } }, c.name);
  }
});

test('the same app always builds the same object (no drift between passes)', () => {
  const a = app({ image: 'x', env: [{ name: 'B', value: '1' }, { name: 'A', value: '2' }] });
  assert.deepEqual(buildDeployment(a, { sidecarImage: 's', replicas: 2 }), buildDeployment(a, { sidecarImage: 's', replicas: 2 }));
});
