#!/usr/bin/env node
// Runs one test suite: unit (TypeScript, in-process), php (PHPUnit on the runtime),
// e2e (real PHP, real clients, real control plane). Every suite has a hard time bound,
// so a hung server can never hang CI.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const suite = process.argv[2];
const filters = process.argv.slice(3);

function findTests(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const suites = {
  unit: { dirs: ['sidecar/test', 'operator/test', 'bench/test'], concurrency: 2, timeoutMs: 120_000, boundMs: 15 * 60_000 },
  e2e: { dirs: ['e2e/test'], concurrency: 1, timeoutMs: 600_000, boundMs: 35 * 60_000 },
};

function run(cmd, args, boundMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', detached: true });
    const timer = setTimeout(() => {
      console.error(`run-tests: ${suite} exceeded ${boundMs / 60_000} minutes; stopping it`);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, boundMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

let code;
if (suite === 'php') {
  // Through askr-php.php, so the runtime's replacements of header() & co. are active.
  code = await run('php', ['php-image/runtime/askr-php.php', '/usr/bin/phpunit', '-c', 'php-image/phpunit.xml', ...filters], 10 * 60_000);
} else if (suites[suite]) {
  const s = suites[suite];
  let files = s.dirs.flatMap((d) => findTests(join(root, d)));
  if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
  if (!files.length) {
    console.log(`run-tests: no ${suite} tests found`);
    process.exit(0);
  }
  console.log(`run-tests: ${suite}: ${files.length} file(s)`);
  code = await run(process.execPath, [
    '--import', 'tsx',
    '--test',
    `--test-concurrency=${s.concurrency}`,
    `--test-timeout=${s.timeoutMs}`,
    '--test-reporter=spec',
    ...files.map((f) => relative(root, f)),
  ], s.boundMs);
} else {
  console.error('usage: run-tests.mjs unit|php|e2e [filter...]');
  process.exit(2);
}
process.exit(code);
