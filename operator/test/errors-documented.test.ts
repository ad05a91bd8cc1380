import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { errorCodes } from '../src/errors.js';

test('every error code is documented with its reason and exit code, and nothing else is', () => {
  const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operator', 'errors.md'), 'utf8');
  const rows = [...page.matchAll(/^\| `(ASKR_ERR_[A-Z_]+)` \| (\w+) \| (\d) \|/gm)].map((m) => [m[1], m[2], Number(m[3])]);
  assert.deepEqual(rows, Object.entries(errorCodes).map(([code, e]) => [code, e.reason, e.exitCode]));
});
