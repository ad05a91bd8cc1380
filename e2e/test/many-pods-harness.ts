// Several `askr serve` sidecars of one app on this machine, linked as peers:
// each is a "pod" (its own run dir and shared memory, its own PHP template, a
// pre-allocated admin port so peers can be listed before it starts), in its
// own process group so a test can SIGKILL a whole pod.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { askrCli } from '../src/repo.js';
import { http } from '../src/http-client.js';
import { APP } from './pusher-harness.js';

export const PEER_SECRET = 'many-pods-e2e-peer-secret';
export const ADMIN_TOKEN = 'many-pods-admin-token';

/** The app: a cacheable page per tag, and a route that forgets a tag from PHP. */
const INDEX = String.raw`<?php
declare(strict_types=1);
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
if (preg_match('#^/page/([a-z0-9-]+)$#', $path, $m) === 1) {
    header('Askr-Cache: 300, tags=' . $m[1]);
    echo $m[1] . ' rendered ' . bin2hex(random_bytes(8));
    return;
}
if (preg_match('#^/forget/([a-z0-9-]+)$#', $path, $m) === 1 && $_SERVER['REQUEST_METHOD'] === 'POST') {
    askr_cache_forget_tag($m[1]);
    echo 'forgotten ' . $m[1];
    return;
}
http_response_code(404);
echo 'not found';
`;

/** Writes the app into `dir` and returns its document root. */
export function writeApp(dir: string): string {
  const root = join(dir, 'public');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.php'), INDEX);
  return root;
}

/** A port free right now (the OS picks it; the sidecar binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => { r(); }));
  return port;
}

export interface PodOptions {
  readonly name: string;
  readonly root: string;
  /** Kept across restarts: the shared-memory file lives here. */
  readonly runDir: string;
  readonly adminPort: number;
  readonly peers: readonly string[];
  readonly extra?: readonly string[];
}

/** One running sidecar. */
export interface Pod {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly admin: string;
  readonly lines: string[];
  /** GET /askr/status on the admin port. */
  status(): Promise<{ peers: Record<string, unknown> & { holdingKeptCache: boolean; outbound: { state: string }[] } }>;
  /** One value from /metrics (first sample of that name with these labels). */
  metric(name: string, labels?: string): Promise<number>;
  /** SIGTERM and wait (graceful drain); SIGKILL of the group past the bound. */
  stop(): Promise<void>;
  /** SIGKILL of the whole process group (sidecar and PHP): the pod vanishes. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) {
    try {
      process.kill(-(c.pid ?? 0), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid ?? 0), signal);
  } catch {
    // Already gone.
  }
}

/** Starts one sidecar with pusher, a response cache and static peers; resolves once it listens. */
export async function startPod(o: PodOptions): Promise<Pod> {
  mkdirSync(o.runDir, { recursive: true });
  const args = [
    askrCli, 'serve', '--root', o.root, '--listen', '127.0.0.1:0', '--admin-listen', `127.0.0.1:${o.adminPort}`, '--admin-token', ADMIN_TOKEN,
    '--run-dir', o.runDir, '--workers', '1', '--response-cache', '16', '--access-log', 'off',
    '--pusher', '--pusher-app-id', APP.id, '--pusher-key', APP.key, '--pusher-secret', APP.secret,
    '--peers', o.peers.join(','), '--peer-secret', PEER_SECRET, ...(o.extra ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  const lines: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => { running.delete(child); r(); }));
  const info = await new Promise<{ url: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${o.name} did not listen within 60 s:\n${lines.join('\n')}`)); }, 60_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (!line.startsWith('{"event":"listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { url: string; admin: string });
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${o.name} exited before listening:\n${lines.join('\n')}`));
    });
  }).catch(async (err: unknown) => {
    killGroup(child, 'SIGKILL');
    await exited;
    throw err;
  });
  const headers = { 'x-askr-token': ADMIN_TOKEN };
  return {
    name: o.name,
    url: info.url,
    port: Number(new URL(info.url).port),
    admin: info.admin,
    lines,
    async status() {
      const r = await http(`${info.admin}/askr/status`, { headers, timeoutMs: 10_000 });
      return JSON.parse(r.text) as Awaited<ReturnType<Pod['status']>>;
    },
    async metric(name, labels = '') {
      const r = await http(`${info.admin}/metrics`, { headers, timeoutMs: 10_000 });
      const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(r.text);
      return Number(m?.[1] ?? NaN);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => { killGroup(child, 'SIGKILL'); }, 20_000);
      await exited;
      clearTimeout(timer);
      // The template is in the group but may outlive the sidecar by a moment.
      killGroup(child, 'SIGKILL');
    },
    async kill() {
      killGroup(child, 'SIGKILL');
      await exited;
    },
  };
}

/**
 * GET a page as every pod of the app sees it (one Host, as behind the app's
 * Service: the cache key includes it, and a restarted pod listens elsewhere).
 */
export async function page(pod: Pod, path: string): Promise<{ cache: string; body: string }> {
  const r = await http(`${pod.url}${path}`, { headers: { host: 'shop.test' }, timeoutMs: 20_000 });
  if (r.status !== 200) throw new Error(`${pod.name} ${path}: ${r.status} ${r.text}`);
  return { cache: String(r.headers['x-askr-cache'] ?? ''), body: r.text };
}

/** Polls an async condition until it holds, failing after the deadline. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
