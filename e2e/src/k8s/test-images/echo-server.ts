/**
 * The harness's own test image (`askr-e2e/echo:dev`): an HTTP server that
 * shows what a container sees, so the node agent's tests can check env, mounts,
 * hostname, probes, restarts and termination from outside.
 *
 *   GET  /              JSON: hostname, addresses, pid, argv, request path and headers
 *   GET  /healthz       200 "ok", or 500 after POST /unhealthy
 *   POST /unhealthy     make /healthz fail from now on
 *   GET  /env/NAME      the variable's value (404 if unset)
 *   GET  /file?path=P   the file's content (404 if unreadable)
 *   PUT  /file?path=P   write the request body to the file
 *   GET  /fetch?url=U   fetch U from inside the pod: JSON {status, body}
 *   GET  /dns?name=N    the pod's resolver's IPv4 answer for N (getaddrinfo: search path, ndots)
 *   GET  /kube?path=P   GET P from the API server with the pod's in-cluster
 *                       credentials (service-account token, CA, KUBERNETES_SERVICE_*)
 *   POST /exit/CODE     answer, then exit with CODE
 *
 * Listens on argv[2] or $PORT (default 8080) on every address. On SIGTERM it
 * logs, waits $TERM_DELAY_MS (default 0) and exits 0.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname, networkInterfaces } from 'node:os';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
let healthy = true;

function addresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => a.address);
}

const saDir = '/var/run/secrets/kubernetes.io/serviceaccount';

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      resolve(text);
    });
    req.on('error', reject);
  });
}

/** A GET to the API server as an in-cluster client does it. */
function kubeGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: process.env.KUBERNETES_SERVICE_HOST,
        port: process.env.KUBERNETES_SERVICE_PORT,
        path,
        ca: readFileSync(`${saDir}/ca.crt`),
        headers: { authorization: `Bearer ${readFileSync(`${saDir}/token`, 'utf8')}` },
        timeout: 5000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function proxied(url: URL): Promise<{ status: number; body: string }> {
  if (url.pathname === '/dns') {
    try {
      const found = await lookup(url.searchParams.get('name') ?? '', { all: true, family: 4 });
      return { status: 200, body: JSON.stringify(found.map((a) => a.address).sort()) };
    } catch (err) {
      return { status: 404, body: (err as NodeJS.ErrnoException).code ?? String(err) };
    }
  }
  if (url.pathname === '/fetch') {
    const r = await fetch(url.searchParams.get('url') ?? '', { signal: AbortSignal.timeout(5000) });
    return { status: r.status, body: await r.text() };
  }
  return kubeGet(url.searchParams.get('path') ?? '/');
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://pod');
  const send = (status: number, body: string, type = 'text/plain'): void => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  const exit = /^\/exit\/(\d+)$/.exec(url.pathname);
  if (url.pathname === '/healthz') {
    send(healthy ? 200 : 500, healthy ? 'ok' : 'unhealthy');
  } else if (url.pathname === '/unhealthy' && req.method === 'POST') {
    healthy = false;
    send(200, 'now unhealthy');
  } else if (url.pathname.startsWith('/env/')) {
    const v = process.env[decodeURIComponent(url.pathname.slice(5))];
    if (v === undefined) send(404, 'unset');
    else send(200, v);
  } else if (url.pathname === '/file' && req.method === 'GET') {
    let content: string;
    try {
      content = readFileSync(url.searchParams.get('path') ?? '', 'utf8');
    } catch (err) {
      send(404, (err as Error).message);
      return;
    }
    send(200, content);
  } else if (url.pathname === '/file' && req.method === 'PUT') {
    body(req)
      .then((text) => {
        writeFileSync(url.searchParams.get('path') ?? '', text);
        send(200, 'written');
      })
      .catch((err: unknown) => {
        send(500, String(err));
      });
  } else if (url.pathname === '/fetch' || url.pathname === '/kube' || url.pathname === '/dns') {
    proxied(url)
      .then((r) => {
        send(200, JSON.stringify(r), 'application/json');
      })
      .catch((err: unknown) => {
        send(502, JSON.stringify({ error: String(err) }), 'application/json');
      });
  } else if (exit && req.method === 'POST') {
    res.on('finish', () => process.exit(Number(exit[1])));
    send(200, `exiting with ${exit[1] ?? ''}`);
  } else {
    const info = { hostname: hostname(), addresses: addresses(), pid: process.pid, argv: process.argv.slice(2), path: url.pathname, headers: req.headers };
    send(200, JSON.stringify(info), 'application/json');
  }
});

server.listen(port, () => {
  console.log(`echo-server: listening on ${port} as ${hostname()} (${addresses().join(', ')})`);
});

process.on('SIGTERM', () => {
  console.log('echo-server: SIGTERM');
  const delay = Number(process.env.TERM_DELAY_MS ?? 0);
  setTimeout(() => {
    console.log('echo-server: exiting');
    process.exit(0);
  }, delay);
});
