import type { DeploymentStatus } from '../kube/workload-types.js';
import type { AskrApp } from '../crd/askr-app-schema.js';
import { isStatus } from '../kube/kube-api-error.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject } from '../kube/kube-object.js';
import { resourceTypes } from '../kube/resource-type.js';
import { adminSecretKeys, adminSecretName, appNames } from './app-names.js';
import { buildAdminSecret } from './build-admin-secret.js';
import { buildDeployment } from './build-deployment.js';
import type { DeploymentInputs } from './build-deployment.js';
import { buildServices } from './build-services.js';

/** The Deployment as the API server returned it after the apply. */
export interface AppliedDeployment extends KubeObject {
  status?: DeploymentStatus;
}

/** What `applyChildren` did. */
export interface AppliedChildren {
  deployment: AppliedDeployment;
  /** The admin Secret had to be created (first pass, or someone deleted it): cached tokens are stale. */
  secretCreated: boolean;
}

/**
 * Server-side applies the Deployment, the Services and the PDB under one
 * field manager (force: the operator owns these objects), deletes the PDB when
 * it is disabled, and makes sure the admin Secret exists (created once, never
 * rewritten). Returns the applied Deployment.
 */
export async function applyChildren(client: KubeClient, app: AskrApp, inputs: DeploymentInputs, fieldManager: string): Promise<AppliedChildren> {
  const secretCreated = await ensureAdminSecret(client, app);
  const { service, peerService, podDisruptionBudget } = buildServices(app);
  await client.apply(resourceTypes.services, service, fieldManager);
  await client.apply(resourceTypes.services, peerService, fieldManager);
  if (podDisruptionBudget) await client.apply(resourceTypes.podDisruptionBudgets, podDisruptionBudget, fieldManager);
  else await client.delete(resourceTypes.podDisruptionBudgets, app.metadata.namespace, appNames(app).podDisruptionBudget);
  const deployment = await client.apply<AppliedDeployment>(resourceTypes.deployments, buildDeployment(app, inputs), fieldManager);
  return { deployment, secretCreated };
}

/** Applies only the Deployment (the scaler's replica change): same object, same manager. */
export function applyDeployment(client: KubeClient, app: AskrApp, inputs: DeploymentInputs, fieldManager: string): Promise<AppliedDeployment> {
  return client.apply<AppliedDeployment>(resourceTypes.deployments, buildDeployment(app, inputs), fieldManager);
}

/** Creates the admin Secret unless it exists; true when this call created it. */
export async function ensureAdminSecret(client: KubeClient, app: AskrApp): Promise<boolean> {
  const name = appNames(app).adminSecret;
  if (await client.get(resourceTypes.secrets, app.metadata.namespace, name)) return false;
  try {
    await client.create(resourceTypes.secrets, buildAdminSecret(app));
    return true;
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
    return false;
  }
}

/** Reads the admin token from the app's Secret. */
export async function readAdminToken(client: KubeClient, namespace: string, appName: string): Promise<string | undefined> {
  const secret = await client.get<KubeObject & { data?: Record<string, string> }>(resourceTypes.secrets, namespace, adminSecretName(appName));
  const b64 = secret?.data?.[adminSecretKeys.adminToken];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}
