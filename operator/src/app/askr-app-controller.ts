import { AdminClient } from '../admin/admin-client.js';
import { DirectTransport, podIpResolver } from '../admin/admin-transport.js';
import type { AdminTransport, PodRef } from '../admin/admin-transport.js';
import type { Controller } from '../controller/controller.js';
import type { Operator } from '../controller/operator.js';
import type { AskrApp } from '../crd/askr-app-schema.js';
import { OperatorError } from '../errors.js';
import { resourceTypes } from '../kube/resource-type.js';
import { MetricsScraper } from '../scaling/metrics-scraper.js';
import { scaleApp } from '../scaling/scale-app.js';
import type { PodObject } from '../scaling/scale-app.js';
import { appLabel } from './app-names.js';
import { AppStore } from './app-store.js';
import { readAdminToken } from './apply-children.js';
import { reconcileApp } from './reconcile-app.js';

/** Settings of the AskrApp controller. */
export interface AskrAppControllerOptions {
  /** Sidecar image for apps that do not name one. */
  sidecarImage: string;
  /** Server-side apply field manager. Default `askr-operator`. */
  fieldManager?: string;
  /** How the scaler reaches pods' admin ports. Default: HTTP to the pod IP. */
  transport?: AdminTransport;
  /** How often the scale timer wakes, milliseconds; each app acts on its own `scaling.intervalSeconds`. Default 5 000. */
  timerTickMs?: number;
  /** Deadline of one admin call (scrape, ceiling change), milliseconds. Default 3 000. */
  adminTimeoutMs?: number;
  /** Milliseconds clock of the scaler (tests). */
  now?: () => number;
}

/**
 * Registers the AskrApp controller on an operator: it owns Deployments,
 * Services and PodDisruptionBudgets (their changes reconcile the app), caches
 * the apps' pods (read by the scaler, no reconcile on pod churn), reconciles
 * on create/update/resume/resync, runs the two-stage scaler as a timer, and
 * forgets an app's in-memory state when it is deleted (no finalizer: owner
 * references let the garbage collector remove the children).
 */
export function registerAskrAppController(op: Operator, opts: AskrAppControllerOptions): Controller<AskrApp> {
  const fieldManager = opts.fieldManager ?? 'askr-operator';
  const store = new AppStore();
  const ctl = op.controller<AskrApp>(resourceTypes.askrApps);
  const managed = 'app.kubernetes.io/managed-by=askr-operator';
  ctl.owns(resourceTypes.deployments, { labelSelector: managed });
  ctl.owns(resourceTypes.services, { labelSelector: managed });
  ctl.owns(resourceTypes.podDisruptionBudgets, { labelSelector: managed });
  const pods = ctl.cache<PodObject>(resourceTypes.pods, { labelSelector: appLabel });

  const token = async (pod: PodRef): Promise<string> => {
    const app = pods.get(`${pod.namespace}/${pod.name}`)?.metadata.labels?.[appLabel];
    if (app === undefined) throw new OperatorError('ASKR_ERR_NOT_FOUND', `pod ${pod.namespace}/${pod.name} is not an Askr pod`);
    const key = `${pod.namespace}/${app}`;
    const owner = ctl.get(key);
    const mem = owner ? store.for(key, owner) : undefined;
    if (mem?.token !== undefined) return mem.token;
    const value = await readAdminToken(op.client, pod.namespace, app);
    if (value === undefined) throw new OperatorError('ASKR_ERR_NOT_FOUND', `the admin Secret of ${key} is missing`);
    if (mem) mem.token = value;
    return value;
  };
  const admin = new AdminClient(opts.transport ?? new DirectTransport(podIpResolver()), token, opts.adminTimeoutMs ?? 3000);
  const scraper = new MetricsScraper(admin, {
    onError: (pod, message) => { op.log.debug('scrape failed', { pod: `${pod.namespace}/${pod.name}`, error: message }); },
  });

  ctl.on(['create', 'update', 'resume', 'resync'], (ctx) => reconcileApp(ctx, { store, sidecarImage: opts.sidecarImage, fieldManager }));
  ctl.on('delete', (ctx) => { store.forget(ctx.key); }, { optional: true });
  ctl.timer((ctx) => scaleApp(ctx, {
    store, pods, scraper, admin, sidecarImage: opts.sidecarImage, fieldManager, ...(opts.now ? { now: opts.now } : {}),
  }), { intervalMs: opts.timerTickMs ?? 5000 });
  return ctl;
}
