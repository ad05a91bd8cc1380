import { setCondition } from '../controller/conditions.js';
import type { Condition } from '../controller/conditions.js';
import type { HandlerContext, HandlerResult } from '../controller/controller.js';
import { askrAppSpecSchema } from '../crd/askr-app-schema.js';
import type { AskrApp, AskrAppSpec } from '../crd/askr-app-schema.js';
import { errorMessage, OperatorError, PermanentError } from '../errors.js';
import { KubeApiError } from '../kube/kube-api-error.js';
import { resourceTypes } from '../kube/resource-type.js';
import { selectorString } from './app-names.js';
import type { AppStore } from './app-store.js';
import { applyChildren } from './apply-children.js';
import { rolloutConditions } from './rollout-conditions.js';

/** What the reconcile handler needs besides the object. */
export interface ReconcileDeps {
  store: AppStore;
  sidecarImage: string;
  fieldManager: string;
  now?: () => Date;
}

/** The app with its spec defaulted as the API server would (defensive: old objects, tests). */
export function withDefaults(app: AskrApp): AskrApp {
  return { ...app, spec: askrAppSpecSchema.applyDefaults(app.spec) as AskrAppSpec };
}

/**
 * The level-triggered reconcile of one AskrApp (create, update, resume and
 * resync alike): apply the children with the replica count the operator
 * holds, then publish `Ready`/`Progressing`/`Degraded`, the replica counts and
 * the selector. While pods are rolling out it looks again in a few seconds.
 * A spec the API server refuses for the children (422) is a PermanentError,
 * shown as `Degraded` until the spec changes.
 */
export async function reconcileApp(ctx: HandlerContext<AskrApp>, deps: ReconcileDeps): Promise<HandlerResult | undefined> {
  const app = withDefaults(ctx.object);
  const now = (deps.now ?? (() => new Date()))();
  const mem = deps.store.for(ctx.key, app);
  const spec = app.spec;
  mem.scale.replicas = spec.replicas.count ?? Math.min(spec.replicas.max, Math.max(spec.replicas.min, mem.scale.replicas));
  mem.scale.ceiling = Math.min(spec.workers.max, Math.max(spec.workers.min, mem.scale.ceiling));
  const replicas = mem.scale.replicas;

  let deployment;
  try {
    const applied = await applyChildren(ctx.client, app, { sidecarImage: deps.sidecarImage, replicas }, deps.fieldManager);
    deployment = applied.deployment;
    if (applied.secretCreated) mem.token = undefined;
  } catch (err) {
    if (err instanceof KubeApiError && (err.statusCode === 422 || err.statusCode === 400)) {
      const invalid = new OperatorError('ASKR_ERR_INVALID_SPEC', `the API server refused the children of ${ctx.key}: ${err.message}`, { cause: err });
      await publishDegraded(ctx, app, invalid, now);
      throw new PermanentError(invalid.message, { cause: err });
    }
    await publishDegraded(ctx, app, err, now);
    throw err;
  }

  const conditions = rolloutConditions(ctx.object.status?.conditions, {
    wanted: replicas,
    deploymentGeneration: deployment.metadata.generation,
    deployment: deployment.status,
    generation: app.metadata.generation,
    now,
  });
  Object.assign(ctx.statusPatch, {
    conditions,
    replicas,
    readyReplicas: deployment.status?.readyReplicas ?? 0,
    workersPerPod: mem.scale.ceiling,
    selector: selectorString(app),
  });
  if (ctx.cause === 'create' || ctx.cause === 'update') {
    ctx.event('Normal', 'Reconcile', ctx.cause === 'create' ? 'Created' : 'Updated',
      `applied Deployment, Services${spec.podDisruptionBudget.enabled ? ', PodDisruptionBudget' : ''} with ${replicas} replicas`);
  }
  const settled = conditions.find((c) => c.type === 'Progressing')?.status === 'False';
  return settled ? undefined : { requeueAfterMs: 5000 };
}

/** Writes `Degraded=True` straight away (the pass is failing, so the layer will not write status). */
async function publishDegraded(ctx: HandlerContext<AskrApp>, app: AskrApp, err: unknown, now: Date): Promise<void> {
  const reason = err instanceof OperatorError ? err.reason : 'ReconcileFailed';
  const conditions: Condition[] = setCondition(ctx.object.status?.conditions, {
    type: 'Degraded', status: 'True', reason, message: errorMessage(err).slice(0, 1000), observedGeneration: app.metadata.generation,
  }, now);
  try {
    const { namespace, name = '' } = app.metadata;
    await ctx.client.patch(resourceTypes.askrApps, namespace, name, { status: { conditions } }, { subresource: 'status' });
  } catch (writeErr) {
    ctx.log.warn('could not publish Degraded', { key: ctx.key, error: errorMessage(writeErr) });
  }
  ctx.event('Warning', 'Reconcile', reason, errorMessage(err));
}
