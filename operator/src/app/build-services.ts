import type { PodDisruptionBudgetSpec, ServiceSpec } from '../kube/workload-types.js';
import type { AskrApp } from '../crd/askr-app-schema.js';
import { controllerReference } from '../kube/kube-object.js';
import type { KubeObject } from '../kube/kube-object.js';
import { appLabels, appNames, selectorLabels, sidecarPorts } from './app-names.js';

/** A Service as the operator applies it. */
export interface DesiredService extends KubeObject {
  spec: ServiceSpec;
}

/** A PodDisruptionBudget as the operator applies it. */
export interface DesiredPodDisruptionBudget extends KubeObject {
  spec: PodDisruptionBudgetSpec;
}

/** The networking and disruption children of an app. */
export interface AppServices {
  /** Client traffic: `spec.service.port` → the sidecar's HTTP port. */
  service: DesiredService;
  /**
   * Headless Service the sidecars resolve (`ASKR_PEER_DNS`) to find each
   * other for cross-pod broadcasts and cache invalidation. Not-ready pods are
   * published too, so a starting pod already receives its peers' events.
   */
  peerService: DesiredService;
  /** Undefined when `spec.podDisruptionBudget.enabled` is false. */
  podDisruptionBudget: DesiredPodDisruptionBudget | undefined;
}

/** Builds the Service, the headless peer Service and the PodDisruptionBudget. */
export function buildServices(app: AskrApp): AppServices {
  const names = appNames(app);
  const meta = (name: string, annotations?: Record<string, string>): KubeObject['metadata'] => ({
    name, namespace: app.metadata.namespace, labels: appLabels(app), ownerReferences: [controllerReference(app)],
    ...(annotations ? { annotations } : {}),
  });
  const service: DesiredService = {
    apiVersion: 'v1', kind: 'Service',
    metadata: meta(names.service, app.spec.service.annotations),
    spec: {
      type: app.spec.service.type,
      selector: selectorLabels(app),
      ports: [{ name: 'http', port: app.spec.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const peerService: DesiredService = {
    apiVersion: 'v1', kind: 'Service',
    metadata: meta(names.peerService),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(app),
      ports: [{ name: 'admin', port: sidecarPorts.admin, targetPort: 'admin', protocol: 'TCP' }],
    },
  };
  const pdb = app.spec.podDisruptionBudget;
  const podDisruptionBudget: DesiredPodDisruptionBudget | undefined = pdb.enabled
    ? {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
      metadata: meta(names.podDisruptionBudget),
      spec: { maxUnavailable: pdb.maxUnavailable, selector: { matchLabels: selectorLabels(app) } },
    }
    : undefined;
  return { service, peerService, podDisruptionBudget };
}
