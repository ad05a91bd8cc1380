/**
 * A Kubernetes resource the operator reads or writes, enough to build its REST
 * paths without API discovery (the set is small and fixed).
 */
export interface ResourceType {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural used in paths, e.g. `deployments`. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** `apiVersion` as written in objects: `v1` or `apps/v1`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/**
 * The REST path of a collection, an object or a subresource:
 * `/apis/apps/v1/namespaces/ns/deployments/name/status`. Without a namespace a
 * namespaced type addresses all namespaces (list and watch only).
 */
export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let path = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  if (type.namespaced && namespace !== undefined) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${type.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

const t = (group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType =>
  ({ group, version, plural, kind, namespaced });

/** The resource types the operator and the plugin use. */
export const resourceTypes = {
  askrApps: t('askr.dev', 'v1alpha1', 'askrapps', 'AskrApp'),
  pods: t('', 'v1', 'pods', 'Pod'),
  services: t('', 'v1', 'services', 'Service'),
  secrets: t('', 'v1', 'secrets', 'Secret'),
  configMaps: t('', 'v1', 'configmaps', 'ConfigMap'),
  namespaces: t('', 'v1', 'namespaces', 'Namespace', false),
  deployments: t('apps', 'v1', 'deployments', 'Deployment'),
  podDisruptionBudgets: t('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  leases: t('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  events: t('events.k8s.io', 'v1', 'events', 'Event'),
  customResourceDefinitions: t('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
} as const satisfies Record<string, ResourceType>;
