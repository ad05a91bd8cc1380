import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { askrAppCrd } from '../src/crd/askr-app-crd.js';
import { askrAppSpecSchema } from '../src/crd/askr-app-schema.js';
import { generatedFiles } from '../src/crd/generate-files.js';
import type { OpenApiSchema } from '../src/crd/schema-builder.js';

const root = join(import.meta.dirname, '..', '..');

test('every file generated from the AskrApp schema is committed as generated', () => {
  for (const [path, content] of Object.entries(generatedFiles())) {
    let committed = '';
    try {
      committed = readFileSync(join(root, path), 'utf8');
    } catch { /* reported below */ }
    assert.equal(committed, content, `${path} drifted from the schema: run npm run -w @askr/operator gen:crd`);
  }
});

test('the chart ships the same CRD as crds/', () => {
  const files = generatedFiles();
  assert.equal(files['helm/askr/crds/askr.dev_askrapps.yaml'], files['crds/askr.dev_askrapps.yaml']);
});

/** Walks a schema; calls `visit` with each node and its path. */
function walk(s: OpenApiSchema, path: string, visit: (s: OpenApiSchema, path: string) => void): void {
  visit(s, path);
  for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (s.items) walk(s.items, `${path}[]`, visit);
  if (s.additionalProperties) walk(s.additionalProperties, `${path}{}`, visit);
}

test('the schema is structural and bounded enough for CEL cost estimation', () => {
  const crd = yaml.load(readFileSync(join(root, 'crds/askr.dev_askrapps.yaml'), 'utf8')) as ReturnType<typeof askrAppCrd>;
  assert.deepEqual(crd, askrAppCrd(), 'the YAML round-trips to the object');
  walk(askrAppSpecSchema.openApi, 'spec', (s, path) => {
    const typed = s.type !== undefined || s['x-kubernetes-int-or-string'] === true;
    assert.ok(typed, `${path} has no type`);
    assert.ok(s.description, `${path} has no description`);
    if (s.type === 'array') assert.ok(s.maxItems !== undefined, `${path} has no maxItems`);
    if (s.type === 'object' && s.additionalProperties) assert.ok(s.maxProperties !== undefined, `${path} has no maxProperties`);
    if (s.type === 'string' && s.enum === undefined && s.format === undefined) assert.ok(s.maxLength !== undefined, `${path} has no maxLength`);
  });
});

test('the CRD has the names, subresources and columns the contract fixes', () => {
  const spec = askrAppCrd().spec as {
    names: { plural: string; shortNames: string[] };
    versions: { name: string; subresources: { scale: Record<string, string> }; additionalPrinterColumns: { name: string }[] }[];
  };
  assert.equal(spec.names.plural, 'askrapps');
  assert.deepEqual(spec.names.shortNames, ['askr']);
  const v = spec.versions[0]!;
  assert.equal(v.name, 'v1alpha1');
  assert.deepEqual(v.subresources.scale, { specReplicasPath: '.spec.replicas.count', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' });
  assert.deepEqual(v.additionalPrinterColumns.map((c) => c.name), ['Replicas', 'Ready-Pods', 'Workers/Pod', 'Busy', 'Queue', 'Ready', 'Last-Scale', 'Age']);
});

test('object defaults are emitted filled, so CEL rules see every field', () => {
  const workers = askrAppSpecSchema.openApi.properties?.workers;
  assert.deepEqual(workers?.default, { min: 2, max: 16, requestTimeoutSeconds: 60, maxRequests: 10000, maxMemoryMB: 256, dispatchAhead: true });
});

test('applyDefaults fills a minimal spec as the API server does', () => {
  const spec = askrAppSpecSchema.applyDefaults({ image: 'app:1', workers: { max: 4 }, env: [{ name: 'A', value: 'b' }] }) as Record<string, Record<string, unknown>>;
  assert.deepEqual(spec.workers, { min: 2, max: 4, requestTimeoutSeconds: 60, maxRequests: 10000, maxMemoryMB: 256, dispatchAhead: true });
  assert.deepEqual(spec.replicas, { min: 1, max: 10 });
  assert.equal(spec.documentRoot, '/app/public');
  assert.deepEqual(spec.env, [{ name: 'A', value: 'b' }]);
  assert.equal(spec.workerScript, undefined);
});

test('the reference page documents every spec field', () => {
  const page = generatedFiles()['docs/operator/askrapp-reference.md'] ?? '';
  walk(askrAppSpecSchema.openApi, 'spec', (s, path) => {
    if (path.endsWith('{}') || path.endsWith('[]') || path === 'spec') return;
    if (path.includes('.valueFrom.') || path.includes('.envFrom[].')) return;
    assert.ok(page.includes(`\`${path}\``), `${path} missing from the reference`);
  });
  assert.match(page, /self\.min <= self\.max/);
});
