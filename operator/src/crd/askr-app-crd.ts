import { askrAppSpecSchema, askrAppStatusSchema } from './askr-app-schema.js';
import type { OpenApiSchema } from './schema-builder.js';

/** API group, version and names of `AskrApp`. */
export const askrAppNames = {
  group: 'askr.dev',
  version: 'v1alpha1',
  kind: 'AskrApp',
  listKind: 'AskrAppList',
  plural: 'askrapps',
  singular: 'askrapp',
  shortNames: ['askr'],
  categories: ['askr'],
} as const;

/** `kubectl get askrapps` columns; `priority: 1` ones show with `-o wide` only. */
export const askrAppPrinterColumns = [
  { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas', description: 'Pods the operator wants.' },
  { name: 'Ready-Pods', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Pods ready to serve.', priority: 1 },
  { name: 'Workers/Pod', type: 'integer', jsonPath: '.status.workersPerPod', description: 'Worker ceiling per pod.' },
  { name: 'Busy', type: 'number', jsonPath: '.status.busyRatio', description: 'Busy workers over live workers.' },
  { name: 'Queue', type: 'integer', jsonPath: '.status.queueDepth', description: 'Requests waiting for a worker.' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Ready condition.' },
  { name: 'Last-Scale', type: 'string', jsonPath: '.status.lastScale.reason', description: 'Last scaling decision.', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;

/**
 * The complete `AskrApp` CustomResourceDefinition: structural schema with
 * defaults, bounds and CEL rules, the status and scale subresources (the scale
 * subresource reads and writes `spec.replicas.count`), printer columns, the
 * short name `askr`.
 */
export function askrAppCrd(): Record<string, unknown> {
  const n = askrAppNames;
  const root: OpenApiSchema = {
    type: 'object',
    description: 'AskrApp runs a PHP application with the Askr sidecar and scales it in two stages: worker ceilings inside pods first, then replicas.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object: askr.dev/v1alpha1.' },
      kind: { type: 'string', description: 'Kind of this object: AskrApp.' },
      metadata: { type: 'object' },
      spec: askrAppSpecSchema.openApi,
      status: askrAppStatusSchema.openApi,
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${n.plural}.${n.group}`,
      labels: { 'app.kubernetes.io/name': 'askr', 'app.kubernetes.io/part-of': 'askr' },
    },
    spec: {
      group: n.group,
      names: { kind: n.kind, listKind: n.listKind, plural: n.plural, singular: n.singular, shortNames: [...n.shortNames], categories: [...n.categories] },
      scope: 'Namespaced',
      versions: [{
        name: n.version,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: root },
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.replicas.count', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
        },
        additionalPrinterColumns: askrAppPrinterColumns.map((c) => ({ ...c })),
      }],
    },
  };
}
