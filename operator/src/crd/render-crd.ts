import yaml from 'js-yaml';

/** The banner on every generated file. */
export const generatedBanner = 'Generated from operator/src/crd/askr-app-schema.ts by `npm run -w @askr/operator gen:crd`. Do not edit.';

/**
 * Renders an object as YAML the way the generated files are committed: keys
 * sorted (stable diffs), no line folding, no anchors, a banner comment.
 */
export function renderYaml(obj: unknown): string {
  const body = yaml.dump(obj, { sortKeys: true, lineWidth: -1, noRefs: true, quotingType: '"' });
  return `# ${generatedBanner}\n${body}`;
}
