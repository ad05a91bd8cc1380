// The HTTP scenarios: which stacks each one compares, on which path, what a
// correct answer looks like, and how its stacks are started. Every scenario
// starts its own servers and stops them when it is done, so `--only` can pick
// any of them and a failure in one never leaks into the next.
import { availableParallelism } from 'node:os';
import { startNodeBare } from './node-bare-stack.js';
import { join } from 'node:path';
import type { AskrCli } from './askr-build.js';
import { repoRoot } from './askr-build.js';
import { startAskrStack } from './askr-stack.js';
import { BenchError, errorSummary } from './errors.js';
import { httpGet } from './http-probe.js';
import type { LaravelEnv } from './laravel-env.js';
import { cpuProfArgs } from './profiler.js';
import { startFpmStack, startNginxStatic, startVarnish } from './peer-stacks.js';
import type { Stack, StackId } from './stack.js';

/** What every scenario's start() gets. */
export interface ScenarioContext {
  askr: AskrCli;
  /** PHP workers of askr serve = pm.max_children of PHP-FPM. */
  workers: number;
  laravel: LaravelEnv;
  /** --profile: askr serve writes Node CPU profiles under <dir>/<scenario>/. */
  profileDir: string | undefined;
}

/** The stacks a scenario got going, those that could not start (and why), and helpers that are not measured. */
export interface StartedStacks {
  stacks: Map<StackId, Stack>;
  failed: Map<StackId, { code: string; message: string }>;
  /** Started for the measured stacks' sake (Varnish's backend), stopped with them, not measured. */
  helpers: Stack[];
}

export interface ScenarioDef {
  id: string;
  title: string;
  /** One sentence for the report. */
  description: string;
  /** Measured stacks, askr first; ratios are askr / each of the others. */
  measured: readonly StackId[];
  /** The path each stack is loaded on. */
  path: Readonly<Partial<Record<StackId, string>>>;
  /** Text every correct body contains. */
  marker: string;
  /** Whether the second pre-check request must be a cache hit. */
  hit: boolean;
  start(ctx: ScenarioContext): Promise<StartedStacks>;
}

const helloRoot = join(repoRoot, 'examples/hello');
const laravelApp = join(repoRoot, 'examples/laravel');
const laravelRoot = join(laravelApp, 'public');
const workerScript = join(laravelApp, 'worker.php');
/** Response cache size for the cache-hit scenario, MB. */
const CACHE_MB = 64;

async function attempt(into: StartedStacks, id: StackId, start: () => Promise<Stack>): Promise<Stack | null> {
  try {
    const s = await start();
    into.stacks.set(id, s);
    return s;
  } catch (err) {
    into.failed.set(id, errorSummary(err));
    return null;
  }
}

function empty(): StartedStacks {
  return { stacks: new Map(), failed: new Map(), helpers: [] };
}

/** Node's CPU profiler for askr serve under --profile. */
function profileArgs(ctx: ScenarioContext, scenario: string): string[] {
  return ctx.profileDir === undefined ? [] : cpuProfArgs(join(ctx.profileDir, scenario, 'askr-node'));
}

/** askr serve and nginx + php-fpm on the same app. */
function askrVsFpm(scenario: string, root: string, worker: boolean, readyPath: string): (ctx: ScenarioContext) => Promise<StartedStacks> {
  return async (ctx) => {
    const out = empty();
    const env = worker ? ctx.laravel.env : {};
    await attempt(out, 'askr', () => startAskrStack({ cli: ctx.askr.cli, root, workerScript: worker ? workerScript : undefined, workers: ctx.workers, env, nodeArgs: profileArgs(ctx, scenario) }));
    await attempt(out, 'fpm', () => startFpmStack({ root, children: ctx.workers, env, readyPath }));
    return out;
  };
}

/**
 * The cached page three ways: askr serve's response cache, Varnish in front of
 * nginx + php-fpm, and nginx serving the page's bytes as a file.
 */
async function startCacheHit(ctx: ScenarioContext): Promise<StartedStacks> {
  const out = empty();
  const backend = await startFpmStack({ root: laravelRoot, children: ctx.workers, env: ctx.laravel.env, readyPath: '/posts/cached' });
  out.helpers.push(backend);
  if (ctx.askr.serveFlags.includes('--response-cache')) {
    const nodeArgs = profileArgs(ctx, 'posts-cache-hit');
    // A hit involves no PHP: one front process per core, as nginx runs one worker per core.
    await attempt(out, 'askr', () => startAskrStack({ cli: ctx.askr.cli, root: laravelRoot, workerScript, workers: ctx.workers, env: ctx.laravel.env, responseCacheMb: CACHE_MB, httpProcs: availableParallelism(), nodeArgs }));
  } else {
    out.failed.set('askr', { code: 'ASKR_ERR_BENCH_UNAVAILABLE', message: 'askr serve has no --response-cache flag in this checkout' });
  }
  // The static file holds exactly the bytes the app renders for the page.
  const page = await httpGet(`${backend.url}/posts/cached`);
  if (page.status !== 200) throw new BenchError('ASKR_ERR_BENCH_CHECK', `GET /posts/cached on nginx + php-fpm answered ${page.status}`);
  const port = Number(new URL(backend.url).port);
  await attempt(out, 'varnish', () => startVarnish(port, '/posts/cached'));
  await attempt(out, 'nginx-static', () => startNginxStatic('posts.html', page.body));
  await attempt(out, 'node-bare', () => startNodeBare(page.body, availableParallelism()));
  return out;
}

/** Every scenario, in the order a run measures them. */
export const SCENARIOS: readonly ScenarioDef[] = [
  {
    id: 'classic-hello',
    title: 'Classic hello.php',
    description: 'examples/hello/hello.php, a plain PHP script: askr serve in classic mode (no worker script) against nginx + php-fpm.',
    measured: ['askr', 'fpm'],
    path: { askr: '/hello.php', fpm: '/hello.php' },
    marker: 'Hello, World!',
    hit: false,
    start: askrVsFpm('classic-hello', helloRoot, false, '/hello.php'),
  },
  {
    id: 'classic-declares',
    title: 'Classic script that declares',
    description: 'examples/hello/declares.php, which declares a function: a classic process cannot run it twice, so askr serve forks a fresh process per request where php-fpm reuses its children.',
    measured: ['askr', 'fpm'],
    path: { askr: '/declares.php', fpm: '/declares.php' },
    marker: 'Hello, World!',
    hit: false,
    start: askrVsFpm('classic-declares', helloRoot, false, '/declares.php'),
  },
  {
    id: 'laravel-hello',
    title: 'Laravel /hello',
    description: 'The Laravel example\'s /hello (a text response through the whole HTTP kernel): askr serve in worker mode against nginx + php-fpm running public/index.php.',
    measured: ['askr', 'fpm'],
    path: { askr: '/hello', fpm: '/hello' },
    marker: 'Hello, World!',
    hit: false,
    start: askrVsFpm('laravel-hello', laravelRoot, true, '/hello'),
  },
  {
    id: 'laravel-posts',
    title: 'Laravel /posts',
    description: 'The Laravel example\'s /posts, a Blade page listing 20 posts (7 KB), same two stacks.',
    measured: ['askr', 'fpm'],
    path: { askr: '/posts', fpm: '/posts' },
    marker: 'id="post-20"',
    hit: false,
    start: askrVsFpm('laravel-posts', laravelRoot, true, '/posts'),
  },
  {
    id: 'posts-cache-hit',
    title: 'Cached /posts hit',
    description: 'The same page with Askr-Cache: 60, swr=30, tags=posts, served from askr serve\'s response cache, from Varnish\'s cache (in front of nginx + php-fpm), and by nginx as a static file of the same bytes.',
    measured: ['askr', 'varnish', 'nginx-static', 'node-bare'],
    path: { askr: '/posts/cached', varnish: '/posts/cached', 'nginx-static': '/posts.html', 'node-bare': '/' },
    marker: 'id="post-20"',
    hit: true,
    start: startCacheHit,
  },
];
