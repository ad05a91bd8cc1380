// The peers, started from Debian's binaries with the harness's own config files
// in a private temp dir (never the system services): nginx + php-fpm, nginx
// serving a static file, and Varnish. nginx and Varnish cannot report the port
// they bound, so each gets a port that was free a moment before and is retried
// on another one if that port was taken in between.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './errors.js';
import { freePort, waitForHttp } from './http-probe.js';
import { ManagedProcess } from './managed-process.js';
import { coreServeOptions } from '../../sidecar/src/config/serve-options.js';
import { fpmConfig, nginxFpmConfig, nginxStaticConfig, varnishVcl, type PeerDirs } from './peer-config.js';
import { removeScratch, scratchDir } from './scratch-dir.js';
import { commandLine, type Stack } from './stack.js';

/** Longest a peer may take to answer its first request, ms. */
const START_MS = 30_000;
/** Attempts at binding a port that was free a moment earlier. */
const PORT_ATTEMPTS = 3;

/** PHP settings both stacks run with (askr serve gets them as --php-ini). */
export const OPCACHE_SETTINGS: Readonly<Record<string, string>> = {
  'opcache.enable': '1',
  'opcache.validate_timestamps': '0',
};

/**
 * Requests after which both stacks replace a PHP process: askr serve's default
 * --max-requests, given to PHP-FPM as pm.max_requests (whose own default, 0,
 * never replaces one), so that neither stack is measured without the cost of
 * the other's process recycling.
 */
export const RECYCLE_AFTER_REQUESTS = askrDefaultMaxRequests();

function askrDefaultMaxRequests(): number {
  const n = Number(coreServeOptions.find((o) => o.key === 'maxRequests')?.default);
  // Never silently measure without recycling: a renamed option must fail here.
  if (!Number.isInteger(n) || n <= 0) throw new BenchError('ASKR_ERR_BENCH_UNAVAILABLE', 'askr serve\'s --max-requests default is not in its option table');
  return n;
}

/** The last `n` lines of a log file the peer writes (empty when there is none yet). */
function fileTail(path: string, n = 40): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

function tempDir(prefix: string): PeerDirs {
  return { dir: scratchDir(prefix) };
}

/**
 * Starts `file args(port)` until one start answers 200 on `readyPath`, trying
 * another port when the first was taken by someone else in the meantime.
 */
async function startOnFreePort(
  file: string,
  args: (port: number) => string[],
  writeConfig: (port: number) => void,
  readyPath: string,
): Promise<{ proc: ManagedProcess; port: number; command: string }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    writeConfig(port);
    const argv = args(port);
    const proc = await ManagedProcess.start(file, argv);
    try {
      await waitForHttp(`http://127.0.0.1:${port}${readyPath}`, START_MS, () => (proc.exited ? `${proc.describeExit()}: ${proc.tail(10)}` : null));
      return { proc, port, command: commandLine(file, argv) };
    } catch (err) {
      lastError = err;
      await proc.stop(2000);
      if (!/in use|EADDRINUSE/i.test(proc.tail(50) + String(err))) break;
    }
  }
  throw lastError instanceof Error ? lastError : new BenchError('ASKR_ERR_BENCH_START', `${file} did not start`);
}

export interface FpmStackOptions {
  /** Document root (examples/hello, examples/laravel/public). */
  root: string;
  /** FPM children (pm = static): as many as askr serve has workers. */
  children: number;
  /** Environment for PHP (SESSION_DRIVER, Laravel cache paths). */
  env: Readonly<Record<string, string>>;
  /** A path that must answer 200 once both nginx and FPM are up. */
  readyPath: string;
}

/** nginx + php-fpm8.2 over a unix socket, both in the foreground, both in a temp dir. */
export async function startFpmStack(o: FpmStackOptions): Promise<Stack> {
  const d = tempDir('askr-bench-fpm-');
  const socket = join(d.dir, 'php-fpm.sock');
  const fpmConf = join(d.dir, 'php-fpm.conf');
  const fpmText = fpmConfig(d, socket, o.children, RECYCLE_AFTER_REQUESTS, o.env);
  writeFileSync(fpmConf, fpmText);
  const fpmArgs = ['-F', '-R', '-y', fpmConf, ...Object.entries(OPCACHE_SETTINGS).flatMap(([k, v]) => ['-d', `${k}=${v}`])];
  const fpm = await ManagedProcess.start('php-fpm8.2', fpmArgs);
  let nginxText = '';
  const nginxConf = join(d.dir, 'nginx.conf');
  try {
    for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(d.dir, sub));
    const nginx = await startOnFreePort(
      'nginx',
      () => ['-c', nginxConf, '-p', `${d.dir}/`, '-e', join(d.dir, 'nginx-error.log')],
      (port) => { writeFileSync(nginxConf, (nginxText = nginxFpmConfig(d, port, o.root, socket))); },
      o.readyPath,
    );
    if (fpm.exited) throw new BenchError('ASKR_ERR_BENCH_START', `php-fpm8.2 exited (${fpm.describeExit()}): ${fpm.tail()}`);
    return {
      id: 'fpm',
      url: `http://127.0.0.1:${nginx.port}`,
      roots: [nginx.proc.pid, fpm.pid],
      commands: [commandLine('php-fpm8.2', fpmArgs), nginx.command],
      configs: { 'php-fpm.conf': fpmText, 'nginx.conf': nginxText },
      logs: () => [fpm.tail(30), fileTail(join(d.dir, 'php-fpm.log')), nginx.proc.tail(20), fileTail(join(d.dir, 'nginx-error.log'))].filter((x) => x !== '').join('\n'),
      async stop() {
        await Promise.all([nginx.proc.stop(), fpm.stop()]);
        removeScratch(d.dir);
      },
    };
  } catch (err) {
    await fpm.stop(2000);
    removeScratch(d.dir);
    throw err;
  }
}

/** nginx serving `body` as the static file /`name` (the same bytes as the page under test). */
export async function startNginxStatic(name: string, body: Buffer): Promise<Stack> {
  const d = tempDir('askr-bench-static-');
  const root = join(d.dir, 'www');
  mkdirSync(root);
  writeFileSync(join(root, name), body);
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(d.dir, sub));
  const conf = join(d.dir, 'nginx.conf');
  let text = '';
  try {
    const nginx = await startOnFreePort(
      'nginx',
      () => ['-c', conf, '-p', `${d.dir}/`, '-e', join(d.dir, 'nginx-error.log')],
      (port) => { writeFileSync(conf, (text = nginxStaticConfig(d, port, root))); },
      `/${name}`,
    );
    return {
      id: 'nginx-static',
      url: `http://127.0.0.1:${nginx.port}`,
      roots: [nginx.proc.pid],
      commands: [nginx.command],
      configs: { 'nginx.conf': text },
      logs: () => [nginx.proc.tail(20), fileTail(join(d.dir, 'nginx-error.log'))].filter((x) => x !== '').join('\n'),
      async stop() {
        await nginx.proc.stop();
        removeScratch(d.dir);
      },
    };
  } catch (err) {
    removeScratch(d.dir);
    throw err;
  }
}

/** varnishd in the foreground with its own working dir (-n), caching the page behind `backendPort`. */
export async function startVarnish(backendPort: number, readyPath: string): Promise<Stack> {
  const d = tempDir('askr-bench-varnish-');
  // varnishd reads the VCL and its working dir as its own unprivileged user.
  chmodSync(d.dir, 0o755);
  const vcl = join(d.dir, 'bench.vcl');
  const text = varnishVcl(backendPort);
  writeFileSync(vcl, text);
  try {
    const varnish = await startOnFreePort(
      'varnishd',
      (port) => ['-F', '-a', `127.0.0.1:${port}`, '-f', vcl, '-n', join(d.dir, 'work'), '-s', 'malloc,256m'],
      () => undefined,
      readyPath,
    );
    return {
      id: 'varnish',
      url: `http://127.0.0.1:${varnish.port}`,
      roots: [varnish.proc.pid],
      commands: [varnish.command],
      configs: { 'bench.vcl': text },
      logs: () => varnish.proc.tail(40),
      async stop() {
        await varnish.proc.stop();
        removeScratch(d.dir);
      },
    };
  } catch (err) {
    removeScratch(d.dir);
    throw err;
  }
}
