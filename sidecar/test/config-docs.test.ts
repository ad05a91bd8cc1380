import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderConfigMarkdown } from '../src/config/config-docs.js';
import { configSections } from '../src/config/config-sections.js';

describe('docs/configuration.md', () => {
  it('matches the option tables (run `npm run docs:config` after changing a flag)', () => {
    const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(committed, renderConfigMarkdown(configSections()));
  });

  it('every flag has a unique variable and a line of help', () => {
    const seen = new Set<string>();
    for (const section of configSections()) {
      for (const o of section.options) {
        assert.ok(o.help.length > 20, `--${o.flag} explains itself`);
        if (section.title === 'askr serve') {
          assert.ok(!seen.has(o.flag), `--${o.flag} is defined once`);
          seen.add(o.flag);
        }
      }
    }
  });
});
