// The environment both stacks run the Laravel example with: the array session
// driver (the file driver writes a session file per cookie-less request), and,
// unless turned off, Laravel's production caches (config, routes, compiled
// views) built into a private directory, the same for every stack. Laravel
// finds them through APP_*_CACHE and VIEW_COMPILED_PATH, so nothing is written
// into the checkout's bootstrap/cache and the tests keep seeing the live app.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './errors.js';

const optimizeScript = fileURLToPath(new URL('./laravel-optimize.php', import.meta.url));

/** What prepareLaravelEnv() did, for the results file. */
export interface LaravelEnv {
  /** Variables to give PHP (FPM pool env[], askr serve's environment, the fork-to-ready template). */
  env: Record<string, string>;
  /** Whether config, route and view caches are in use. */
  caches: boolean;
  /** The command that built them (empty when caches are off). */
  command: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (code === 0) resolve(out);
      else reject(new BenchError('ASKR_ERR_BENCH_TOOL', `${file} ${args.join(' ')} exited ${String(code)}:\n${out.slice(-2000)}`));
    });
  });
}

/**
 * Builds the Laravel environment under `dir` for the app at `appDir`. With
 * `caches`, runs bench/src/laravel-optimize.php (what artisan's config:cache,
 * route:cache and view:cache do) once; both stacks then read the same files.
 */
export async function prepareLaravelEnv(dir: string, appDir: string, caches: boolean): Promise<LaravelEnv> {
  const env: Record<string, string> = { SESSION_DRIVER: 'array' };
  if (!caches) return { env, caches, command: '' };
  const views = join(dir, 'views');
  mkdirSync(views, { recursive: true });
  Object.assign(env, {
    APP_CONFIG_CACHE: join(dir, 'config.php'),
    APP_ROUTES_CACHE: join(dir, 'routes-v7.php'),
    APP_SERVICES_CACHE: join(dir, 'services.php'),
    APP_PACKAGES_CACHE: join(dir, 'packages.php'),
    APP_EVENTS_CACHE: join(dir, 'events.php'),
    VIEW_COMPILED_PATH: views,
  });
  await run('php', [optimizeScript, appDir], { ...process.env, ...env }, 60_000);
  const prefix = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
  return { env, caches, command: `${prefix} php bench/src/laravel-optimize.php ${appDir}` };
}
