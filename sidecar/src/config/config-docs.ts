import { envName, type OptionSpec } from './option.js';

/**
 * docs/configuration.md, rendered from the option tables: one row per flag with
 * its variable, default, unit and purpose. A unit test fails when the committed
 * page drifts from the tables.
 */
export function renderConfigMarkdown(sections: { title: string; intro: string; options: readonly OptionSpec[] }[]): string {
  const out: string[] = [
    '# Configuration',
    '',
    '<!-- Generated from the option tables in sidecar/src/config/ by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Every flag can also be set through its `ASKR_*` environment variable (the',
    'operator configures pods that way). A flag given on the command line wins over',
    'the variable, which wins over the default. A bad value stops the start with a',
    'message naming the flag and where the value came from.',
    '',
    'Sizes take K, M and G suffixes (`16M`); durations take ms, s, m and h (`250ms`,',
    '`30s`); lists are comma-separated.',
  ];
  for (const section of sections) {
    out.push('', `## ${section.title}`, '', section.intro);
    const groups = new Map<string, OptionSpec[]>();
    for (const o of section.options) groups.set(o.group, [...(groups.get(o.group) ?? []), o]);
    for (const [group, options] of groups) {
      out.push('', `### ${group}`, '', '| flag | variable | default | what it does |', '| --- | --- | --- | --- |');
      for (const o of options) {
        const value = o.kind === 'bool' ? '' : ` <${o.kind}>`;
        const def = o.default === undefined ? '—' : `\`${o.default}\`${o.unit ? ` ${o.unit}` : ''}`;
        const help = o.help.replace(/\|/g, '\\|');
        out.push(`| \`--${o.flag}${value}\` | ${o.noEnv ? '—' : `\`${envName(o)}\``} | ${def} | ${help} |`);
      }
    }
  }
  return out.join('\n') + '\n';
}
