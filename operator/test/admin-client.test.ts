import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AdminClient } from '../src/admin/admin-client.js';
import { declaredAdminPort, DirectTransport, podIpResolver } from '../src/admin/admin-transport.js';
import { MetricsScraper } from '../src/scaling/metrics-scraper.js';

interface Seen { method: string; url: string; token: string | undefined; body: string }

/**
 * An HTTP server answering the admin routes the way the sidecar contract
 * says, on an OS-chosen port; `seen` records every request.
 */
async function adminServer(token: string, metrics: () => string): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const body = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const answer = (method: string, url: string, given: unknown, text: string): [number, unknown] => {
    if (given !== token) return [401, { error: 'bad token' }];
    if (url === '/metrics') return [200, metrics()];
    if (url === '/askr/workers' && method === 'PUT') {
      const b = JSON.parse(text) as { max?: unknown };
      if (typeof b.max !== 'number' || b.max < 1) return [400, { error: 'max must be a positive integer' }];
      return [200, { min: 2, max: b.max }];
    }
    if (url === '/askr/errors') return [200, { errors: [{ id: 'e1', time: '2026-01-01T00:00:00Z', method: 'GET', uri: '/x', status: 500 }] }];
    if (url === '/askr/errors/e1/replay' && method === 'POST') return [200, { status: 500, headers: [['x-a', 'b']], body: 'boom' }];
    // The sidecar answers with its forget sequence (sidecar/src/cache/cache-admin.ts).
    if (url === '/askr/cache/forget-tag' && method === 'POST') return [200, { seq: 7 }];
    return [404, { error: 'no such route' }];
  };
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', token: req.headers['x-askr-token'] as string | undefined, body: text });
      const [status, payload] = answer(req.method ?? '', req.url ?? '', req.headers['x-askr-token'], text);
      if (typeof payload === 'string') res.writeHead(status, { 'Content-Type': 'text/plain' }).end(payload);
      else res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

const close = (s: Server): Promise<void> => new Promise((r) => { s.closeAllConnections(); s.close(() => { r(); }); });
const gauges = (busy: number): string => `askr_workers_alive 4\naskr_workers_busy ${busy}\naskr_queue_depth 0\naskr_workers_max 4\n`;

test('AdminClient speaks the admin routes with X-Askr-Token and maps errors', async (t) => {
  const a = await adminServer('s3cret', () => gauges(1));
  t.after(() => close(a.server));
  const client = new AdminClient(new DirectTransport(() => `http://127.0.0.1:${a.port}`), 's3cret');
  const pod = { namespace: 'ns', name: 'p' };
  assert.deepEqual(await client.setWorkers(pod, { max: 12 }), { min: 2, max: 12 });
  assert.deepEqual(a.seen.at(-1), { method: 'PUT', url: '/askr/workers', token: 's3cret', body: '{"max":12}' });
  assert.equal((await client.errors(pod))[0]?.id, 'e1');
  assert.deepEqual(await client.replay(pod, 'e1'), { status: 500, headers: [['x-a', 'b']], body: 'boom' });
  assert.deepEqual(await client.forgetTags(pod, ['posts']), ['posts']);
  await assert.rejects(client.setWorkers(pod, { max: 0 }), { code: 'ASKR_ERR_ADMIN_API', message: /HTTP 400 max must be a positive integer/ });
  await assert.rejects(client.errorEnvelope(pod, 'nope'), { code: 'ASKR_ERR_NOT_FOUND' });
  await assert.rejects(new AdminClient(new DirectTransport(() => `http://127.0.0.1:${a.port}`), 'wrong').metrics(pod), /HTTP 401 bad token/);
});

test('the scraper samples ready pods through the resolver; silent and broken pods are not ok', async (t) => {
  const good = await adminServer('t', () => gauges(3));
  const broken = await adminServer('t', () => 'not_askr 1\n');
  const silent = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => Promise.all([close(good.server), close(broken.server), close(silent)]));
  const ports: Record<string, number> = { good: good.port, broken: broken.port, silent: (silent.address() as AddressInfo).port };
  const errors: string[] = [];
  const client = new AdminClient(new DirectTransport((pod) => `http://127.0.0.1:${ports[pod.name] ?? 1}`), 't', 300);
  const scraper = new MetricsScraper(client, { onError: (pod) => errors.push(pod.name) });
  const samples = await scraper.scrape([
    { namespace: 'n', name: 'good', ready: true },
    { namespace: 'n', name: 'broken', ready: true },
    { namespace: 'n', name: 'silent', ready: true },
    { namespace: 'n', name: 'starting', ready: false },
  ]);
  assert.deepEqual(samples.map((s) => [s.pod, s.ok]), [['good', true], ['broken', false], ['silent', false], ['starting', false]]);
  assert.deepEqual(samples[0], { pod: 'good', ready: true, ok: true, alive: 4, busy: 3, queue: 0, ceiling: 4 });
  assert.deepEqual(errors.sort(), ['broken', 'silent']);
  assert.equal(good.seen.length, 1);
});

test('the default resolver uses the pod IP and refuses a pod without one', () => {
  const resolve = podIpResolver();
  assert.equal(resolve({ namespace: 'n', name: 'p', ip: '10.244.1.7' }), 'http://10.244.1.7:9180');
  assert.equal(resolve({ namespace: 'n', name: 'p', ip: 'fd00::7' }), 'http://[fd00::7]:9180');
  assert.throws(() => resolve({ namespace: 'n', name: 'p' }), { code: 'ASKR_ERR_POD_UNREACHABLE' });
});

test('a pod\'s declared admin port is used unless the resolver overrides it', () => {
  assert.equal(podIpResolver()({ namespace: 'n', name: 'p', ip: '10.0.0.1', port: 19180 }), 'http://10.0.0.1:19180');
  assert.equal(podIpResolver(9999)({ namespace: 'n', name: 'p', ip: '10.0.0.1', port: 19180 }), 'http://10.0.0.1:9999');
  assert.equal(declaredAdminPort({ containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }, { ports: [{ name: 'admin', containerPort: 9181 }] }] }), 9181);
  assert.equal(declaredAdminPort({ containers: [{}] }), undefined);
});
