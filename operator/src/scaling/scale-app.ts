import type { AdminClient } from '../admin/admin-client.js';
import { declaredAdminPort } from '../admin/admin-transport.js';
import type { AppStore } from '../app/app-store.js';
import { applyDeployment } from '../app/apply-children.js';
import { appLabel } from '../app/app-names.js';
import { withDefaults } from '../app/reconcile-app.js';
import { rfc3339, setCondition } from '../controller/conditions.js';
import type { HandlerContext } from '../controller/controller.js';
import type { ListWatch } from '../controller/list-watch.js';
import type { AskrApp } from '../crd/askr-app-schema.js';
import { errorMessage } from '../errors.js';
import type { KubeObject } from '../kube/kube-object.js';
import { decideScale } from './decide-scale.js';
import type { MetricsScraper, ScrapeTarget } from './metrics-scraper.js';
import { scalePolicy } from './scale-policy.js';

/** A pod as the pods cache holds it (the fields the scaler reads). */
export interface PodObject extends KubeObject {
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

/** What the scale timer needs. */
export interface ScaleAppDeps {
  store: AppStore;
  pods: ListWatch<PodObject>;
  scraper: MetricsScraper;
  admin: AdminClient;
  sidecarImage: string;
  fieldManager: string;
  /** Milliseconds clock for intervals and the decision history. */
  now?: () => number;
}

/** The app's live pods (not terminating, not finished), ready or not. */
export function appPods(pods: ListWatch<PodObject>, app: AskrApp): ScrapeTarget[] {
  return pods.list(app.metadata.namespace)
    .filter((p) => p.metadata.labels?.[appLabel] === app.metadata.name)
    .filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .map((p) => {
      const ip = p.status?.podIP;
      const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && ip !== undefined;
      const port = declaredAdminPort(p.spec);
      return { namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', ...(ip ? { ip } : {}), ...(port ? { port } : {}), ready };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The scale timer of one app (kopf-style timer, every few seconds; it acts
 * once per `spec.scaling.intervalSeconds`): scrape the pods, decide with
 * `decideScale`, apply a new replica count to the Deployment, push the fleet
 * ceiling to every pod that reports another one (`PUT /askr/workers`), and
 * publish the outcome: status fields, `ScalingLimited`, `MetricsUnavailable`,
 * `lastScale` and an Event for every decision that changed something.
 */
export async function scaleApp(ctx: HandlerContext<AskrApp>, deps: ScaleAppDeps): Promise<void> {
  const now = (deps.now ?? Date.now)();
  const app = withDefaults(ctx.object);
  const mem = deps.store.for(ctx.key, app);
  if (now - mem.lastScrapeAt < app.spec.scaling.intervalSeconds * 1000 - 250) return;
  mem.lastScrapeAt = now;

  const policy = scalePolicy(app.spec);
  const targets = appPods(deps.pods, app);
  const samples = await deps.scraper.scrape(targets);
  const { state, decision } = decideScale(mem.scale, { time: now, pods: samples }, policy);

  if (state.replicas !== mem.scale.replicas) {
    await applyDeployment(ctx.client, app, { sidecarImage: deps.sidecarImage, replicas: state.replicas }, deps.fieldManager);
  }
  mem.scale = state;

  for (const [i, s] of samples.entries()) {
    const target = targets[i];
    if (!s.ok || s.ceiling === state.ceiling || !target) continue;
    try {
      await deps.admin.setWorkers(target, { max: state.ceiling });
    } catch (err) {
      ctx.log.warn('could not set the worker ceiling', { key: ctx.key, pod: s.pod, error: errorMessage(err) });
    }
  }

  const date = new Date(now);
  const gen = app.metadata.generation;
  let conditions = ctx.object.status?.conditions;
  const wasLimited = conditions?.find((c) => c.type === 'ScalingLimited')?.status === 'True';
  conditions = setCondition(conditions, decision.limited
    ? { type: 'ScalingLimited', status: 'True', reason: decision.limited.reason, message: decision.limited.message, observedGeneration: gen }
    : { type: 'ScalingLimited', status: 'False', reason: 'WithinLimits', message: 'demand fits the bounds', observedGeneration: gen }, date);
  const readyCount = samples.filter((s) => s.ready).length;
  conditions = setCondition(conditions, decision.missing.length > 0
    ? { type: 'MetricsUnavailable', status: 'True', reason: 'ScrapeFailed', message: `${decision.missing.length}/${readyCount} ready pods did not answer: ${decision.missing.slice(0, 5).join(', ')}`, observedGeneration: gen }
    : { type: 'MetricsUnavailable', status: 'False', reason: 'Scraped', message: `${readyCount} ready pods scraped`, observedGeneration: gen }, date);

  Object.assign(ctx.statusPatch, {
    conditions,
    replicas: state.replicas,
    workersPerPod: state.ceiling,
    busyRatio: decision.busyRatio,
    queueDepth: decision.queueDepth,
  });
  if (decision.changed) {
    ctx.statusPatch.lastScale = {
      time: rfc3339(date), replicas: state.replicas, workersPerPod: state.ceiling, reason: decision.reason, message: decision.message.slice(0, 1000),
    };
    ctx.event('Normal', 'Scale', decision.reason, decision.message);
  }
  if (decision.limited && !wasLimited) ctx.event('Warning', 'Scale', 'ScalingLimited', decision.limited.message);
}
