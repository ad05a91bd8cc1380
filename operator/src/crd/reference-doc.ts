import { askrAppNames, askrAppPrinterColumns } from './askr-app-crd.js';
import { askrAppSpecSchema, askrAppStatusSchema } from './askr-app-schema.js';
import type { OpenApiSchema } from './schema-builder.js';
import { generatedBanner } from './render-crd.js';

interface Row {
  path: string;
  type: string;
  default: string;
  constraints: string;
  description: string;
}

/** Markdown reference of `AskrApp`, generated from the schema. */
export function askrAppReference(): string {
  const n = askrAppNames;
  const out: string[] = [
    `<!-- ${generatedBanner} -->`,
    '# `AskrApp` reference',
    '',
    `\`apiVersion: ${n.group}/${n.version}\`, \`kind: ${n.kind}\`, plural \`${n.plural}\`, short name \`${n.shortNames.join('`, `')}\`, namespaced.`,
    'Defaults are applied by the API server, so `kubectl get askrapp NAME -o yaml` shows every field\'s effective value.',
    '',
    '## spec',
    '',
    ...table(rows('spec', askrAppSpecSchema.openApi)),
    '',
    '### Validation rules',
    '',
    ...validations('spec', askrAppSpecSchema.openApi),
    '',
    '## status',
    '',
    'Written by the operator through the status subresource.',
    '',
    ...table(rows('status', askrAppStatusSchema.openApi)),
    '',
    '### Conditions',
    '',
    '| type | True means |',
    '| --- | --- |',
    '| `Ready` | every wanted pod is ready and updated to the current spec |',
    '| `Progressing` | a rollout or a scale change is under way |',
    '| `Degraded` | the spec cannot be applied, or pods fail to become ready |',
    '| `ScalingLimited` | demand is above what `replicas.max`, `workers.max` or the memory limit allow |',
    '| `MetricsUnavailable` | one or more ready pods did not answer the last metrics scrape |',
    '',
    '## Subresources and columns',
    '',
    '- `status`: spec and status are written separately; `metadata.generation` moves only with the spec.',
    `- \`scale\`: \`kubectl scale askrapp/NAME --replicas=N\` sets \`spec.replicas.count\` (a fixed pod count); the current count is \`status.replicas\` and the pod selector \`status.selector\`.`,
    '- `kubectl get askrapps` columns:',
    '',
    '| column | from | shown |',
    '| --- | --- | --- |',
    ...askrAppPrinterColumns.map((c) => `| ${c.name} | \`${c.jsonPath}\` | ${'priority' in c ? '`-o wide`' : 'always'} |`),
    '',
  ];
  return out.join('\n');
}

function rows(path: string, schema: OpenApiSchema): Row[] {
  const out: Row[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const p = `${path}.${name}`;
    const required = schema.required?.includes(name) ?? false;
    out.push({
      path: p,
      type: typeOf(child),
      default: child.default === undefined ? (required ? '*required*' : '') : `\`${JSON.stringify(child.default)}\``,
      constraints: constraints(child),
      description: child.description ?? '',
    });
    if (child.properties && !isOpaque(child)) out.push(...rows(p, child));
    if (child.items?.properties) out.push(...rows(`${p}[]`, child.items));
  }
  return out;
}

function isOpaque(s: OpenApiSchema): boolean {
  return s['x-kubernetes-preserve-unknown-fields'] === true;
}

function typeOf(s: OpenApiSchema): string {
  if (s['x-kubernetes-int-or-string']) return 'quantity';
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object' && s.additionalProperties) return `map[string]${typeOf(s.additionalProperties)}`;
  if (s.type === 'object' && isOpaque(s)) return 'object (free-form)';
  return s.type ?? 'any';
}

function constraints(s: OpenApiSchema): string {
  const c: string[] = [];
  if (s.enum) c.push(s.enum.map((v) => `\`${String(v)}\``).join(' \\| '));
  if (s.minimum !== undefined && s.maximum !== undefined) c.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) c.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined) c.push(`≤ ${s.maximum}`);
  if (s.maxLength !== undefined) c.push(`≤ ${s.maxLength} chars`);
  if (s.maxItems !== undefined) c.push(`≤ ${s.maxItems} items`);
  if (s.maxProperties !== undefined) c.push(`≤ ${s.maxProperties} keys`);
  return c.join(', ');
}

function validations(path: string, schema: OpenApiSchema): string[] {
  const out: string[] = [];
  for (const v of schema['x-kubernetes-validations'] ?? []) out.push(`- \`${path}\`: \`${v.rule}\` — ${v.message}`);
  for (const [name, child] of Object.entries(schema.properties ?? {})) out.push(...validations(`${path}.${name}`, child));
  return out;
}

function table(list: Row[]): string[] {
  const esc = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| field | type | default | bounds | description |',
    '| --- | --- | --- | --- | --- |',
    ...list.map((r) => `| \`${r.path}\` | ${r.type} | ${r.default} | ${r.constraints} | ${esc(r.description)} |`),
  ];
}
