// The `askr` the benchmark measures. By default the sidecar is compiled from the
// working tree at the start of the run (tsc, the same compiler settings as
// `npm run build`) into a directory of the run's own, tmp/askr-bench-XXXXXX in
// the repository (git-ignored), removed at the end. So a run measures exactly
// the sources it started with, even while sidecar/dist is rebuilt or another
// run compiles at the same time, and a fresh clone needs no build step first.
// The directory sits two levels under the repository, like sidecar/dist, so the
// CLI finds php-image/runtime the same way.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.js';
import { adoptScratch } from './scratch-dir.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The CLI to run and what was done to get it. */
export interface AskrCli {
  /** Path of main.js. */
  cli: string;
  /** How it was obtained: the tsc command, or "given". */
  how: string;
  /** Compiler diagnostics, when tsc reported type errors but still emitted JavaScript. */
  warnings: string;
  /** Flags `askr serve --help` lists (feature detection: e.g. --response-cache). */
  serveFlags: string[];
}

function capture(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new BenchError('ASKR_ERR_BENCH_TOOL', `${file}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The flags listed by `askr serve --help`. */
async function serveFlags(cli: string): Promise<string[]> {
  const help = await capture(process.execPath, [cli, 'serve', '--help'], 30_000);
  return [...new Set([...help.out.matchAll(/^\s+(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1] ?? ''))].filter((f) => f !== '');
}

/**
 * Compiles the sidecar into the run's own directory (unless `given` names a
 * built main.js) and lists its serve flags. Type errors in the working tree are
 * reported, not fatal, as long as tsc emitted the JavaScript.
 */
export async function prepareAskrCli(given: string | undefined): Promise<AskrCli> {
  if (given !== undefined) {
    if (!existsSync(given)) throw new BenchError('ASKR_ERR_BENCH_USAGE', `--askr-cli ${given}: no such file`);
    return { cli: given, how: 'given', warnings: '', serveFlags: await serveFlags(given) };
  }
  mkdirSync(join(repoRoot, 'tmp'), { recursive: true });
  const outDir = adoptScratch(mkdtempSync(join(repoRoot, 'tmp/askr-bench-')));
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  const args = [tsc, '-p', join(repoRoot, 'sidecar/tsconfig.json'), '--outDir', outDir];
  const built = await capture(process.execPath, args, 180_000);
  const cli = join(outDir, 'cli/main.js');
  if (!existsSync(cli)) throw new BenchError('ASKR_ERR_BENCH_TOOL', `tsc did not produce ${cli}:\n${built.out.slice(-3000)}`);
  return {
    cli,
    how: `npx tsc -p sidecar/tsconfig.json --outDir ${outDir.slice(repoRoot.length)}`,
    warnings: built.code === 0 ? '' : built.out.slice(-3000),
    serveFlags: await serveFlags(cli),
  };
}
