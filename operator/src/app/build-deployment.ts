import type { Container, DeploymentSpec, EnvVar, PodSpec } from '../kube/workload-types.js';
import type { AskrApp } from '../crd/askr-app-schema.js';
import { controllerReference } from '../kube/kube-object.js';
import type { KubeObject } from '../kube/kube-object.js';
import { adminSecretKeys, appLabels, appNames, selectorLabels, sidecarPorts } from './app-names.js';

/** A Deployment as the operator applies it. */
export interface DesiredDeployment extends KubeObject {
  spec: DeploymentSpec;
}

/** Inputs the spec does not hold. */
export interface DeploymentInputs {
  /** Sidecar image when the app does not name one. */
  sidecarImage: string;
  /** Pod count: the operator's decision, or `spec.replicas.count`. */
  replicas: number;
}

/** Where the two containers meet (sockets, shared memory, recordings). */
export const runDir = '/run/askr';
/** Where the sidecar serves the app's static files from. */
export const publicDir = '/srv/public';
/** The PHP runtime's template script inside the app image. */
export const templateScript = '/opt/askr/runtime/template.php';
/** The app container's preStop: waits for the sidecar's drain (it writes a marker in the run dir), at most its budget. */
export const awaitDrainScript = '/opt/askr/runtime/await-drain.php';
/** UID and GID the pods run as. */
export const podUser = 10001;

/** Seconds a pod waits after being taken out of endpoints before its sidecar gets SIGTERM. */
const endpointGraceSeconds = 5;
/** The sidecar's default budget for deferred work after a response (`--defer-timeout`). */
const deferSeconds = 30;

/**
 * The app's Deployment: pods of an app container (the PHP template) and the
 * sidecar sharing a memory-backed `/run/askr`, an init container that copies
 * the document root for static files, probes on the sidecar's health
 * endpoints, and a termination sequence that lets in-flight requests finish:
 * the sidecar waits `endpointGraceSeconds`, then drains for up to the request
 * timeout plus the deferred-work budget, while the app container's preStop
 * keeps the template alive until the sidecar says the drain is over (or that
 * budget has passed).
 */
export function buildDeployment(app: AskrApp, inputs: DeploymentInputs): DesiredDeployment {
  const names = appNames(app);
  const spec = app.spec;
  const drainSeconds = spec.workers.requestTimeoutSeconds + deferSeconds;
  const runSizeMiB = spec.responseCache.sizeMB + (spec.recordErrors.enabled ? spec.recordErrors.maxSizeMB : 0) + 64;
  const pod: PodSpec = {
    automountServiceAccountToken: spec.serviceAccountName !== undefined,
    securityContext: {
      runAsNonRoot: true, runAsUser: podUser, runAsGroup: podUser, fsGroup: podUser,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationGracePeriodSeconds: endpointGraceSeconds + drainSeconds + 10,
    volumes: [
      { name: 'askr-run', emptyDir: { medium: 'Memory', sizeLimit: `${runSizeMiB}Mi` } },
      { name: 'askr-public', emptyDir: {} },
    ],
    initContainers: [{
      name: 'copy-public',
      image: spec.image,
      command: ['cp', '-R', `${spec.documentRoot.replace(/\/+$/, '')}/.`, `${publicDir}/`],
      volumeMounts: [{ name: 'askr-public', mountPath: publicDir }],
      securityContext: containerSecurity(true),
      ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    }],
    containers: [appContainer(app, endpointGraceSeconds + drainSeconds), sidecarContainer(app, inputs, names.adminSecret, names.peerService)],
  };
  if (spec.serviceAccountName !== undefined) pod.serviceAccountName = spec.serviceAccountName;
  if (spec.imagePullSecrets?.length) pod.imagePullSecrets = spec.imagePullSecrets.map((name) => ({ name }));
  if (spec.nodeSelector) pod.nodeSelector = spec.nodeSelector;
  if (spec.tolerations?.length) pod.tolerations = spec.tolerations;

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: names.deployment, namespace: app.metadata.namespace, labels: appLabels(app),
      ownerReferences: [controllerReference(app)],
    },
    spec: {
      replicas: inputs.replicas,
      selector: { matchLabels: selectorLabels(app) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: { labels: appLabels(app), ...(spec.podAnnotations ? { annotations: spec.podAnnotations } : {}) },
        spec: pod,
      },
    },
  };
}

function appContainer(app: AskrApp, keepAliveSeconds: number): Container {
  const spec = app.spec;
  const env: EnvVar[] = [
    { name: 'ASKR_RUN_DIR', value: runDir },
    { name: 'ASKR_ROOT', value: spec.documentRoot },
  ];
  if (spec.workerScript !== undefined) env.push({ name: 'ASKR_WORKER_SCRIPT', value: spec.workerScript });
  env.push(...((spec.env ?? []) as EnvVar[]));
  const c: Container = {
    name: 'app',
    image: spec.image,
    command: ['php', templateScript],
    env,
    volumeMounts: [{ name: 'askr-run', mountPath: runDir }],
    // The template must outlive the sidecar's drain: it is what serves the
    // requests still in flight. It waits for the drain to end, not for its
    // whole budget, so a pod with nothing in flight stops in seconds.
    lifecycle: { preStop: { exec: { command: ['php', awaitDrainScript, runDir, String(keepAliveSeconds)] } } },
    securityContext: containerSecurity(false),
  };
  if (spec.imagePullPolicy) c.imagePullPolicy = spec.imagePullPolicy;
  if (spec.envFrom?.length) c.envFrom = spec.envFrom;
  if (spec.resources.app) c.resources = spec.resources.app;
  return c;
}

function sidecarContainer(app: AskrApp, inputs: DeploymentInputs, adminSecret: string, peerService: string): Container {
  const spec = app.spec;
  const secretRef = (name: string, key: string): EnvVar['valueFrom'] => ({ secretKeyRef: { name, key } });
  const env: EnvVar[] = [
    { name: 'ASKR_LISTEN', value: `0.0.0.0:${sidecarPorts.http}` },
    { name: 'ASKR_ADMIN_LISTEN', value: `0.0.0.0:${sidecarPorts.admin}` },
    { name: 'ASKR_ADMIN_TOKEN', valueFrom: secretRef(adminSecret, adminSecretKeys.adminToken) },
    { name: 'ASKR_TEMPLATE_SOCKET', value: `${runDir}/template.sock` },
    { name: 'ASKR_RUN_DIR', value: runDir },
    { name: 'ASKR_ROOT', value: publicDir },
    { name: 'ASKR_WORKERS_MIN', value: String(spec.workers.min) },
    // Pods start at the bottom of the range; the operator raises the ceiling
    // at run time (PUT /askr/workers), so a ceiling change needs no rollout.
    { name: 'ASKR_WORKERS_MAX', value: String(spec.workers.min) },
    { name: 'ASKR_REQUEST_TIMEOUT', value: String(spec.workers.requestTimeoutSeconds) },
    { name: 'ASKR_MAX_REQUESTS', value: String(spec.workers.maxRequests) },
    { name: 'ASKR_MAX_MEMORY', value: String(spec.workers.maxMemoryMB) },
    { name: 'ASKR_DISPATCH_AHEAD', value: String(spec.workers.dispatchAhead) },
    { name: 'ASKR_RESPONSE_CACHE', value: String(spec.responseCache.sizeMB) },
    { name: 'ASKR_PUSHER', value: String(spec.pusher.enabled) },
  ];
  if (spec.pusher.enabled && spec.pusher.secretRef) {
    env.push(
      { name: 'ASKR_PUSHER_APP_ID', value: spec.pusher.appId ?? '' },
      { name: 'ASKR_PUSHER_KEY', value: spec.pusher.key ?? '' },
      { name: 'ASKR_PUSHER_SECRET', valueFrom: secretRef(spec.pusher.secretRef.name, spec.pusher.secretRef.key) },
    );
  }
  if (spec.recordErrors.enabled) {
    env.push(
      { name: 'ASKR_RECORD_ERRORS', value: `${runDir}/errors` },
      { name: 'ASKR_RECORD_MAX_FILES', value: String(spec.recordErrors.maxFiles) },
      { name: 'ASKR_RECORD_MAX_BYTES', value: String(spec.recordErrors.maxSizeMB * 1024 * 1024) },
    );
  }
  env.push(
    { name: 'ASKR_PEER_DNS', value: `${peerService}.${app.metadata.namespace ?? 'default'}.svc` },
    { name: 'ASKR_PEER_SECRET', valueFrom: secretRef(adminSecret, adminSecretKeys.peerSecret) },
    { name: 'ASKR_ACCESS_LOG', value: 'stdout' },
  );
  const probe = (path: string, failureThreshold: number): Container['livenessProbe'] => ({
    httpGet: { path, port: 'admin' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold,
  });
  const c: Container = {
    name: 'sidecar',
    image: spec.sidecarImage ?? inputs.sidecarImage,
    args: ['serve'],
    env,
    ports: [
      { name: 'http', containerPort: sidecarPorts.http, protocol: 'TCP' },
      { name: 'admin', containerPort: sidecarPorts.admin, protocol: 'TCP' },
    ],
    livenessProbe: probe('/healthz', 6),
    readinessProbe: probe('/readyz', 2),
    startupProbe: { httpGet: { path: '/healthz', port: 'admin' }, periodSeconds: 2, failureThreshold: 60 },
    volumeMounts: [
      { name: 'askr-run', mountPath: runDir },
      { name: 'askr-public', mountPath: publicDir, readOnly: true },
    ],
    // Endpoints take a moment to drop a terminating pod; keep serving meanwhile.
    lifecycle: { preStop: { sleep: { seconds: endpointGraceSeconds } } },
    securityContext: containerSecurity(true),
  };
  if (spec.resources.sidecar) c.resources = spec.resources.sidecar;
  return c;
}

function containerSecurity(readOnlyRoot: boolean): Container['securityContext'] {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: readOnlyRoot, capabilities: { drop: ['ALL'] } };
}
