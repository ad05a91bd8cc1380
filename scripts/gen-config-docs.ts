// Regenerates docs/configuration.md from the option tables.
import { writeFileSync } from 'node:fs';
import { configSections } from '../sidecar/src/config/config-sections.js';
import { renderConfigMarkdown } from '../sidecar/src/config/config-docs.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigMarkdown(configSections()));
console.log('wrote docs/configuration.md');
