import { randomBytes } from 'node:crypto';
import type { AskrApp } from '../crd/askr-app-schema.js';
import { controllerReference } from '../kube/kube-object.js';
import type { KubeObject } from '../kube/kube-object.js';
import { adminSecretKeys, appLabels, appNames } from './app-names.js';

/** A Secret as the operator creates it. */
export interface DesiredSecret extends KubeObject {
  type: string;
  data: Record<string, string>;
}

/**
 * The app's admin Secret: a fresh random admin token (the sidecar's admin API,
 * read by the operator and `kubectl askr`) and a peer secret (sidecar-to-
 * sidecar messages). Created once and never rewritten: changing the token
 * would lock the operator out of running pods.
 * @param random source of random bytes (tests pass a fixed one)
 */
export function buildAdminSecret(app: AskrApp, random: (n: number) => Buffer = randomBytes): DesiredSecret {
  const token = (): string => Buffer.from(random(32).toString('hex')).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: appNames(app).adminSecret,
      namespace: app.metadata.namespace,
      labels: appLabels(app),
      ownerReferences: [controllerReference(app)],
    },
    data: { [adminSecretKeys.adminToken]: token(), [adminSecretKeys.peerSecret]: token() },
  };
}
