import { s } from './schema-builder.js';
import type { Infer, InferInput } from './schema-builder.js';

/**
 * The `AskrApp` schema (askr.dev/v1alpha1): the one source of truth for the
 * CRD YAML, the reference docs and the operator's TypeScript types.
 */

const resourceRequirements = (who: string) => s.object({
  limits: s.map(s.quantity({ description: 'Quantity, e.g. `500m` or `512Mi`.' }), {
    description: `Upper bounds for the ${who} container (\`cpu\`, \`memory\`, \`ephemeral-storage\`).`, maxProperties: 16,
  }),
  requests: s.map(s.quantity({ description: 'Quantity, e.g. `100m` or `256Mi`.' }), {
    description: `What the scheduler reserves for the ${who} container.`, maxProperties: 16,
  }),
}, { description: `Compute resources of the ${who} container (core/v1 ResourceRequirements).` });

const replicas = s.object({
  min: s.integer({ description: 'Fewest pods the operator keeps.', default: 1, minimum: 1, maximum: 1000, format: 'int32' }),
  max: s.integer({ description: 'Most pods the operator may run.', default: 10, minimum: 1, maximum: 1000, format: 'int32' }),
  count: s.integer({
    description: 'When set, the pod count is fixed to this value and the operator scales worker ceilings only. '
      + 'This is the scale subresource\'s path: `kubectl scale askrapp/NAME --replicas=N` (or an HPA/KEDA) writes it. '
      + 'Remove it to let the operator scale between `min` and `max` again.',
    minimum: 0, maximum: 1000, format: 'int32',
  }),
}, {
  description: 'Pod count bounds.', default: {},
  validations: [{ rule: 'self.min <= self.max', message: 'replicas.min must not be greater than replicas.max' }],
});

const workers = s.object({
  min: s.integer({ description: 'Warm PHP workers each pod keeps even when idle (`ASKR_WORKERS_MIN`).', default: 2, minimum: 1, maximum: 4096, format: 'int32' }),
  max: s.integer({
    description: 'Highest worker ceiling per pod. A pod starts with its ceiling at `min`; the operator raises it under load '
      + '(`PUT /askr/workers`), never above this nor above what the app container\'s memory limit holds at `maxMemoryMB` per worker.',
    default: 16, minimum: 1, maximum: 4096, format: 'int32',
  }),
  requestTimeoutSeconds: s.integer({
    description: 'Longest a request may take, queue time included (`ASKR_REQUEST_TIMEOUT`). The pod\'s termination grace period is derived from it.',
    default: 60, minimum: 1, maximum: 3600, format: 'int32',
  }),
  maxRequests: s.integer({ description: 'Recycle a worker after this many requests; 0 = never (`ASKR_MAX_REQUESTS`).', default: 10000, minimum: 0, maximum: 1_000_000_000 }),
  maxMemoryMB: s.integer({
    description: 'Recycle a worker once its PHP memory passes this many MB; 0 = never (`ASKR_MAX_MEMORY`). Also the memory the operator budgets per worker.',
    default: 256, minimum: 0, maximum: 1_000_000, format: 'int32',
  }),
  dispatchAhead: s.boolean({
    description: 'With every worker busy, write a short request at once to the busy worker likely to finish first (`ASKR_DISPATCH_AHEAD`). '
      + 'Turn it off for apps whose request times vary widely: a request sent ahead can wait behind one that turns out slow.',
    default: true,
  }),
}, {
  description: 'PHP workers per pod.', default: {},
  validations: [{ rule: 'self.min <= self.max', message: 'workers.min must not be greater than workers.max' }],
});

const pusher = s.object({
  enabled: s.boolean({ description: 'Serve the Pusher protocol (WebSocket `/app/{key}`, HTTP API `/apps/{id}`) from the sidecar.', default: false }),
  appId: s.string({ description: 'Pusher app id (`ASKR_PUSHER_APP_ID`).', maxLength: 128 }),
  key: s.string({ description: 'Pusher app key, public (`ASKR_PUSHER_KEY`).', maxLength: 256 }),
  secretRef: s.object({
    name: s.string({ description: 'Secret in the AskrApp\'s namespace.', maxLength: 253 }),
    key: s.string({ description: 'Key in that Secret.', default: 'secret', maxLength: 253 }),
  }, { description: 'Where the Pusher app secret is (`ASKR_PUSHER_SECRET`).', required: ['name'] }),
}, {
  description: 'Pusher-protocol WebSockets and broadcasting.', default: {},
  validations: [{
    rule: '!self.enabled || (has(self.appId) && has(self.key) && has(self.secretRef))',
    message: 'pusher.enabled needs appId, key and secretRef',
  }],
});

const recordErrors = s.object({
  enabled: s.boolean({ description: 'Record every 5xx (request and response) for `kubectl askr errors` and `replay`.', default: true }),
  maxFiles: s.integer({ description: 'Recordings kept per pod; the oldest go first (`ASKR_RECORD_MAX_FILES`).', default: 100, minimum: 1, maximum: 100_000, format: 'int32' }),
  maxSizeMB: s.integer({
    description: 'Total size of recordings per pod, MB (`ASKR_RECORD_MAX_BYTES`). They live in the memory-backed `/run/askr`, so they count against the pod\'s memory.',
    default: 16, minimum: 1, maximum: 4096, format: 'int32',
  }),
}, { description: 'Recorded server errors.', default: {} });

const envVar = s.object({
  name: s.string({ description: 'Variable name.', maxLength: 256 }),
  value: s.string({ description: 'Literal value.', maxLength: 32768 }),
  valueFrom: s.opaque({ description: 'core/v1 EnvVarSource (secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef).' }),
}, { description: 'core/v1 EnvVar.', required: ['name'] });

const service = s.object({
  port: s.integer({ description: 'Port the Service exposes (forwarded to the sidecar\'s HTTP port 8080).', default: 80, minimum: 1, maximum: 65535, format: 'int32' }),
  type: s.string({ description: 'Service type.', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] as const, default: 'ClusterIP' }),
  annotations: s.map(s.string({ description: 'Annotation value.', maxLength: 4096 }), { description: 'Annotations on the Service (load-balancer settings).', maxProperties: 64 }),
}, { description: 'The Service in front of the pods.', default: {} });

const scaling = s.object({
  intervalSeconds: s.integer({ description: 'How often the operator scrapes the pods and decides, seconds.', default: 15, minimum: 5, maximum: 300, format: 'int32' }),
  targetBusyPercent: s.integer({
    description: 'Share of workers that should be busy (queued requests count as busy). Above it the operator adds capacity, below it removes some.',
    default: 70, minimum: 10, maximum: 100, format: 'int32',
  }),
  tolerancePercent: s.integer({ description: 'Dead band around the target within which nothing changes, percent of the target.', default: 10, minimum: 0, maximum: 50, format: 'int32' }),
  scaleUpWindowSeconds: s.integer({
    description: 'Pods must be at their worker ceiling with a backlog for this long before a replica is added (worker ceilings rise at once).',
    default: 30, minimum: 0, maximum: 3600, format: 'int32',
  }),
  scaleDownWindowSeconds: s.integer({
    description: 'Stabilisation window for scaling down: the highest demand seen in it decides, so load that dips for a moment removes nothing.',
    default: 300, minimum: 0, maximum: 86400, format: 'int32',
  }),
  maxReplicaStep: s.integer({ description: 'Most replicas added in one decision.', default: 4, minimum: 1, maximum: 100, format: 'int32' }),
}, { description: 'Two-stage scaling: worker ceilings first, then replicas.', default: {} });

const podDisruptionBudget = s.object({
  enabled: s.boolean({ description: 'Create a PodDisruptionBudget for the pods.', default: true }),
  maxUnavailable: s.integer({ description: 'Pods a voluntary disruption (drain, upgrade) may take down at once.', default: 1, minimum: 0, maximum: 1000, format: 'int32' }),
}, { description: 'Voluntary-disruption budget.', default: {} });

/** `AskrApp.spec`. */
export const askrAppSpecSchema = s.object({
  image: s.string({ description: 'The application image: PHP with the Askr runtime (`/opt/askr/runtime`) and the app.', minLength: 1, maxLength: 512 }),
  imagePullPolicy: s.string({ description: 'Pull policy of the app image.', enum: ['Always', 'IfNotPresent', 'Never'] as const }),
  imagePullSecrets: s.array(s.string({ description: 'Secret name.', maxLength: 253 }), { description: 'Secrets for pulling the images.', maxItems: 16 }),
  documentRoot: s.string({ description: 'Document root inside the app image; copied to the sidecar for static files (`ASKR_ROOT`).', default: '/app/public', maxLength: 1024 }),
  workerScript: s.string({
    description: 'PHP script that boots the app once and returns its handler (worker mode, `ASKR_WORKER_SCRIPT`). Omit for classic mode (each request runs a script in a fresh fork).',
    maxLength: 1024,
  }),
  sidecarImage: s.string({ description: 'Sidecar image for this app. Default: the operator\'s `--sidecar-image`.', maxLength: 512 }),
  replicas,
  workers,
  resources: s.object({ app: resourceRequirements('app'), sidecar: resourceRequirements('sidecar') }, { description: 'Compute resources per container.', default: {} }),
  responseCache: s.object({
    sizeMB: s.integer({ description: 'Shared-memory response cache per pod, MB; 0 = off (`ASKR_RESPONSE_CACHE`). Counts against the pod\'s memory.', default: 0, minimum: 0, maximum: 65536, format: 'int32' }),
  }, { description: 'Response cache (opt-in per response with `Askr-Cache`).', default: {} }),
  pusher,
  recordErrors,
  env: s.array(envVar, { description: 'Environment of the app container.', maxItems: 256, listType: 'map', listMapKeys: ['name'] }),
  envFrom: s.array(s.opaque({ description: 'core/v1 EnvFromSource (configMapRef or secretRef).' }), { description: 'Environment sources of the app container.', maxItems: 32 }),
  service,
  scaling,
  podDisruptionBudget,
  serviceAccountName: s.string({ description: 'ServiceAccount of the pods.', maxLength: 253 }),
  nodeSelector: s.map(s.string({ description: 'Label value.', maxLength: 63 }), { description: 'Node labels the pods must match.', maxProperties: 64 }),
  tolerations: s.array(s.opaque({ description: 'core/v1 Toleration.' }), { description: 'Taints the pods tolerate.', maxItems: 64 }),
  podAnnotations: s.map(s.string({ description: 'Annotation value.', maxLength: 4096 }), { description: 'Extra annotations on the pods.', maxProperties: 64 }),
}, { description: 'What to run and how to scale it.', required: ['image'] });

const condition = s.object({
  type: s.string({ description: 'Ready, Progressing, Degraded, ScalingLimited or MetricsUnavailable.', maxLength: 316 }),
  status: s.string({ description: 'True, False or Unknown.', enum: ['True', 'False', 'Unknown'] as const }),
  observedGeneration: s.integer({ description: 'The spec generation the condition reflects.', minimum: 0 }),
  lastTransitionTime: s.string({ description: 'When `status` last changed.', format: 'date-time' }),
  reason: s.string({ description: 'CamelCase reason.', maxLength: 1024 }),
  message: s.string({ description: 'Human-readable detail.', maxLength: 32768 }),
}, { description: 'metav1.Condition.', required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] });

/** `AskrApp.status`, written by the operator only. */
export const askrAppStatusSchema = s.object({
  observedGeneration: s.integer({ description: 'The spec generation last reconciled.', minimum: 0 }),
  conditions: s.array(condition, { description: 'Ready, Progressing, Degraded, ScalingLimited, MetricsUnavailable.', maxItems: 16, listType: 'map', listMapKeys: ['type'] }),
  replicas: s.integer({ description: 'Pods the operator wants (the Deployment\'s replicas).', minimum: 0, format: 'int32' }),
  readyReplicas: s.integer({ description: 'Pods ready to serve.', minimum: 0, format: 'int32' }),
  workersPerPod: s.integer({ description: 'Current worker ceiling of every pod.', minimum: 0, format: 'int32' }),
  busyRatio: s.number({ description: 'Busy workers over live workers across ready pods at the last scrape (0–1).', minimum: 0 }),
  queueDepth: s.integer({ description: 'Requests waiting for a worker across ready pods at the last scrape.', minimum: 0 }),
  selector: s.string({ description: 'Label selector of the pods (for the scale subresource).', maxLength: 1024 }),
  lastScale: s.object({
    time: s.string({ description: 'When the decision was taken.', format: 'date-time' }),
    replicas: s.integer({ description: 'Replicas after the decision.', minimum: 0, format: 'int32' }),
    workersPerPod: s.integer({ description: 'Worker ceiling after the decision.', minimum: 0, format: 'int32' }),
    reason: s.string({ description: 'CamelCase reason, e.g. RaisedWorkerCeiling, AddedReplicas.', maxLength: 128 }),
    message: s.string({ description: 'What was seen and decided.', maxLength: 1024 }),
  }, { description: 'The last scaling decision that changed something.' }),
}, { description: 'Observed state, written by the operator.' });

/** The spec as the API server returns it (defaults applied). */
export type AskrAppSpec = Infer<typeof askrAppSpecSchema>;
/** The spec as a user may write it. */
export type AskrAppSpecInput = InferInput<typeof askrAppSpecSchema>;
/** The status. */
export type AskrAppStatus = Infer<typeof askrAppStatusSchema>;

/** An `AskrApp` object. */
export interface AskrApp {
  apiVersion?: string;
  kind?: string;
  metadata: import('../kube/kube-object.js').ObjectMeta;
  spec: AskrAppSpec;
  status?: AskrAppStatus & Record<string, unknown>;
}
