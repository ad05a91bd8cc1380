#!/usr/bin/env node
// Writes the files generated from the AskrApp schema (CRD YAML for crds/ and the
// chart, the reference page). Run: npm run -w @askr/operator gen:crd
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './crd/generate-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const [path, content] of Object.entries(generatedFiles())) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  process.stdout.write(`wrote ${path}\n`);
}
