import type { AskrApp } from '../crd/askr-app-schema.js';

/** Label that selects an app's pods; the one selector every child uses. */
export const appLabel = 'askr.dev/app';

/** Ports of the sidecar container, fixed in every pod. */
export const sidecarPorts = { http: 8080, admin: 9180 } as const;

/** Names of the objects the operator makes for an app. */
export interface AppNames {
  deployment: string;
  service: string;
  peerService: string;
  podDisruptionBudget: string;
  adminSecret: string;
}

/** The children's names: the Deployment, Service and PDB share the app's name. */
export function appNames(app: AskrApp): AppNames {
  const name = app.metadata.name ?? '';
  return {
    deployment: name,
    service: name,
    peerService: `${name}-peers`,
    podDisruptionBudget: name,
    adminSecret: adminSecretName(name),
  };
}

/** The admin Secret of the app with this name (the plugin knows only the name). */
export function adminSecretName(appName: string): string {
  return `${appName}-askr-admin`;
}

/** Keys in the admin Secret. */
export const adminSecretKeys = { adminToken: 'admin-token', peerSecret: 'peer-secret' } as const;

/** Labels that select the app's pods (immutable in a Deployment: keep it minimal). */
export function selectorLabels(app: AskrApp): Record<string, string> {
  return { [appLabel]: app.metadata.name ?? '' };
}

/** Labels on every child object and pod. */
export function appLabels(app: AskrApp): Record<string, string> {
  return {
    ...selectorLabels(app),
    'app.kubernetes.io/name': app.metadata.name ?? '',
    'app.kubernetes.io/component': 'askr-app',
    'app.kubernetes.io/managed-by': 'askr-operator',
  };
}

/** The pod selector as a string (`status.selector`, for the scale subresource). */
export function selectorString(app: AskrApp): string {
  return Object.entries(selectorLabels(app)).map(([k, v]) => `${k}=${v}`).join(',');
}
