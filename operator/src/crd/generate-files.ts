import { askrAppCrd } from './askr-app-crd.js';
import { askrAppReference } from './reference-doc.js';
import { renderYaml } from './render-crd.js';

/**
 * Every file generated from the `AskrApp` schema, by path relative to the
 * repository root. `gen-crd.ts` writes them; a unit test fails when a
 * committed copy differs.
 */
export function generatedFiles(): Record<string, string> {
  const crd = renderYaml(askrAppCrd());
  return {
    'crds/askr.dev_askrapps.yaml': crd,
    // Helm installs crds/ once and never upgrades it; docs/operator/install.md has the upgrade step.
    'helm/askr/crds/askr.dev_askrapps.yaml': crd,
    'docs/operator/askrapp-reference.md': askrAppReference(),
  };
}
