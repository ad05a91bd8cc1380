import { askrAppSpecSchema } from '../src/crd/askr-app-schema.js';
import type { AskrApp, AskrAppSpec, AskrAppSpecInput } from '../src/crd/askr-app-schema.js';

/** An AskrApp as the API server would return it, spec defaulted. */
export function app(spec: AskrAppSpecInput, name = 'shop', namespace = 'web'): AskrApp {
  return {
    apiVersion: 'askr.dev/v1alpha1',
    kind: 'AskrApp',
    metadata: { name, namespace, uid: '0d9a4e4e-1111-4222-8333-944455556666', generation: 3 },
    spec: askrAppSpecSchema.applyDefaults(spec) as AskrAppSpec,
  };
}
