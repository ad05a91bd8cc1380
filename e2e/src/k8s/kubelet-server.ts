import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { servePortForward } from './kubelet-port-forward.js';
import type { PodIpLocator } from './kubelet-port-forward.js';
import { readLogTail } from './managed-process.js';

/** Finds a container's log file: its current run, or the one before with `previous`. */
export type LogLocator = (namespace: string, pod: string, container: string, previous: boolean) => string | undefined;

/** Milliseconds between checks for new log lines while following. */
const followPollMs = 250;

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  const trailing = lines.at(-1) === '' ? lines.pop() : undefined;
  return lines.slice(-n).join('\n') + (trailing === undefined ? '' : '\n');
}

/**
 * The parts of a kubelet's HTTPS API the API server forwards to:
 * `pods/log` (`GET /containerLogs/{namespace}/{pod}/{container}` with
 * `follow`, `previous`, `tailLines`, `limitBytes`), so `kubectl logs` works;
 * and `pods/portforward` over WebSocket (`kubelet-port-forward.ts`), so
 * client-node's `PortForward` works. Exec, attach and SPDY port-forward
 * (`kubectl port-forward`) answer 501. It serves with the API server's own
 * certificate, which names the node's address, and asks for no client
 * credentials: it listens on the pod network's gateway only.
 */
export class KubeletServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on `host:10250` (a kubelet's port), or a free port if that is taken. */
  static async start(host: string, tls: { cert: string; key: string }, locate: LogLocator, podIp: PodIpLocator): Promise<KubeletServer> {
    const server = createServer(tls, (req, res) => {
      try {
        handle(req, res, locate);
      } catch (err) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      servePortForward(req, socket, head, podIp);
    });
    const listen = (port: number): Promise<number> =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          const addr = server.address();
          resolve(addr !== null && typeof addr === 'object' ? addr.port : port);
        });
      });
    const port = await listen(10250).catch(() => listen(0));
    server.unref();
    return new KubeletServer(server, port);
  }

  /** Stops serving and cuts open log streams. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

function handle(req: IncomingMessage, res: ServerResponse, locate: LogLocator): void {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  if (url.pathname === '/healthz') {
    res.end('ok');
    return;
  }
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (!m?.[1] || !m[2] || !m[3]) {
    res.writeHead(501, { 'content-type': 'text/plain' });
    res.end(`${url.pathname.split('/')[1] ?? ''} is not served by the askr-e2e node agent; reach pods through the API server's pod proxy\n`);
    return;
  }
  const q = url.searchParams;
  const file = locate(m[1], m[2], m[3], q.get('previous') === 'true');
  if (file === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`container "${m[3]}" in pod "${m[2]}" has no ${q.get('previous') === 'true' ? 'previous ' : ''}logs\n`);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  let text = readLogTail(file, Number.MAX_SAFE_INTEGER);
  const tail = q.get('tailLines');
  if (tail !== null) text = lastLines(text, Number(tail));
  const limit = q.get('limitBytes');
  if (limit !== null) text = text.slice(0, Number(limit));
  if (q.get('follow') !== 'true') {
    res.end(text);
    return;
  }
  res.write(text);
  // Follow: send what the file grows by until the client goes away.
  let offset = statSync(file).size;
  const timer = setInterval(() => {
    const size = statSync(file).size;
    if (size <= offset) return;
    createReadStream(file, { start: offset, end: size - 1 }).pipe(res, { end: false });
    offset = size;
  }, followPollMs);
  res.on('close', () => {
    clearInterval(timer);
  });
}
