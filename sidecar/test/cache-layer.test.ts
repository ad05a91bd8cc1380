// CacheLayer: the response cache plugged into the front's dispatch-layer
// protocol (ResponseSink), driven the way the worker pool drives a sink.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AskrError } from '../src/errors.js';
import { CacheLayer } from '../src/cache/cache-layer.js';
import { cacheRegions } from '../src/cache/cache-layout.js';
import { ResponseCache } from '../src/cache/response-cache.js';
import { ShmCache } from '../src/cache/shm-cache.js';
import { MemoryStore } from '../src/cache/memory-store.js';
import { MemoryFlightTable } from '../src/cache/memory-flight-table.js';
import type { PhpExchange } from '../src/http/front-handler.js';
import type { HeaderList, ResponseSink } from '../src/pool/response-sink.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-layer-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

class Recorder implements ResponseSink {
  status = 0;
  headers: HeaderList = [];
  chunks: Buffer[] = [];
  ended = false;
  failed: AskrError | undefined;
  head(status: number, headers: HeaderList): void {
    this.status = status;
    this.headers = headers;
  }
  body(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  fail(error: AskrError): void {
    this.failed = error;
  }
  onDrain(): void {
    // never paused here
  }
  header(name: string): string[] {
    return this.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

let files = 0;
function layer(clock = { t: Date.now() }, coalesceWaitMs = 2000) {
  const region = ShmRegion.open({ path: join(dir, `l${files++}.shm`), regions: cacheRegions({ responseCache: 1 }), stamp: 'l', mode: 'create' });
  const shm = ShmCache.fromRegion(region, { maxEntryBytes: 64 * 1024 });
  const cache = new ResponseCache({ store: shm.store, flights: shm.flights, coalesceWaitMs, log: () => undefined, now: () => clock.t });
  return { layer: new CacheLayer(cache), clock };
}

function exchange(method: string, url: string, headers: Record<string, string> = {}): PhpExchange & { result: string | undefined } {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  req.method = method;
  req.headers = { host: 'site.test', ...headers };
  const ex = {
    request: { id: '1', method, uri: url, script: 'index.php', pathInfo: '', server: { REQUEST_METHOD: method }, body: { kind: 'inline' as const, data: Buffer.alloc(0) } },
    req,
    view: { address: '127.0.0.1', proto: 'http' as const, host: undefined, port: undefined },
    deadline: performance.now() + 5000,
    result: undefined as string | undefined,
    setCacheResult(r: string) {
      ex.result = r;
    },
  };
  return ex;
}

/** Runs one request through the layer; `php` plays the worker into the sink when PHP is reached. */
async function run(l: CacheLayer, ex: PhpExchange, php: ((sink: ResponseSink) => void) | undefined): Promise<{ client: Recorder; phpRan: boolean }> {
  const client = new Recorder();
  let phpRan = false;
  l.dispatch(ex, client, (sink) => {
    phpRan = true;
    assert.ok(php, 'PHP was not expected to run');
    php(sink);
  });
  const until = Date.now() + 5000;
  while (!client.ended && !client.failed && Date.now() < until) await new Promise((r) => setImmediate(r));
  return { client, phpRan };
}

const page = (sink: ResponseSink): void => {
  sink.head(200, [['Content-Type', 'text/html'], ['Askr-Cache', '60, sie=300'], ['Set-Cookie', 'sid=1']], false);
  sink.body(Buffer.from('<p>'));
  sink.body(Buffer.from('hello</p>'));
  sink.end();
};

describe('CacheLayer', () => {
  test('a leader runs even when its client left (others may wait for its answer); other misses and bypasses pass on that it left', async () => {
    const seen: boolean[] = [];
    // Coalescing off: a miss leads nothing.
    for (const [l, method] of [[layer().layer, 'GET'], [layer().layer, 'POST'], [layer(undefined, 0).layer, 'GET']] as const) {
      const client = Object.assign(new Recorder(), { gone: () => true });
      l.dispatch(exchange(method, '/gone'), client, (sink) => {
        seen.push(sink.gone?.() === true);
        page(sink);
      });
      const until = Date.now() + 5000;
      while (!client.ended && !client.failed && Date.now() < until) await new Promise((r) => setImmediate(r));
      assert.ok(client.ended, `${method} answered`);
    }
    assert.deepEqual(seen, [false, true, true]);
  });

  test('miss is buffered, stored and sent MISS; then HIT without PHP, Set-Cookie or Askr-Cache', async () => {
    const { layer: l } = layer();
    const ex1 = exchange('GET', '/p');
    const a = await run(l, ex1, page);
    assert.equal(a.client.status, 200);
    assert.deepEqual(a.client.header('x-askr-cache'), ['MISS']);
    assert.deepEqual(a.client.header('askr-cache'), []);
    assert.deepEqual(a.client.header('set-cookie'), ['sid=1']);
    assert.equal(a.client.text(), '<p>hello</p>');
    assert.equal(ex1.result, 'MISS');
    const ex2 = exchange('GET', '/p');
    const b = await run(l, ex2, undefined);
    assert.equal(b.phpRan, false);
    assert.equal(b.client.text(), '<p>hello</p>');
    assert.deepEqual(b.client.header('x-askr-cache'), ['HIT']);
    assert.deepEqual(b.client.header('set-cookie'), []);
    assert.equal(ex2.result, 'HIT');
  });

  test('a HEAD miss runs GET in PHP and fills the entry GET requests use', async () => {
    const { layer: l } = layer();
    const ex = exchange('HEAD', '/h');
    await run(l, ex, page);
    assert.equal(ex.request.method, 'GET');
    assert.equal(ex.request.server.REQUEST_METHOD, 'GET');
    assert.equal((await run(l, exchange('GET', '/h'), undefined)).client.text(), '<p>hello</p>');
  });

  test('a streamed response passes through as BYPASS, chunk by chunk', async () => {
    const { layer: l } = layer();
    const { client } = await run(l, exchange('GET', '/s'), (sink) => {
      sink.head(200, [['Askr-Cache', '60']], true);
      sink.body(Buffer.from('a'));
      sink.body(Buffer.from('b'));
      sink.end();
    });
    assert.deepEqual(client.header('x-askr-cache'), ['BYPASS']);
    assert.deepEqual(client.header('askr-cache'), []);
    assert.equal(client.text(), 'ab');
  });

  test('a request with a Cookie bypasses, and Askr-Cache is stripped', async () => {
    const { layer: l } = layer();
    const ex = exchange('GET', '/c', { cookie: 'session=x' });
    const { client } = await run(l, ex, page);
    assert.deepEqual(client.header('x-askr-cache'), ['BYPASS']);
    assert.deepEqual(client.header('askr-cache'), []);
    assert.equal(ex.result, 'BYPASS');
  });

  test('a worker failure inside the sie window is answered with the stale entry', async () => {
    const { layer: l, clock } = layer();
    await run(l, exchange('GET', '/e'), page);
    clock.t += 120_000;
    const ex = exchange('GET', '/e');
    const { client } = await run(l, ex, (sink) => {
      sink.fail(new AskrError('ASKR_ERR_WORKER_DIED', 'worker died'));
    });
    assert.equal(client.failed, undefined);
    assert.equal(client.status, 200);
    assert.deepEqual(client.header('x-askr-cache'), ['STALE']);
    assert.equal(client.text(), '<p>hello</p>');
    assert.equal(ex.result, 'STALE');
  });

  test('a failure inside the cache never fails the request: PHP answers, without Askr-Cache', async () => {
    const store = new MemoryStore({ capacityBytes: 1 << 20, maxEntryBytes: 1 << 16 });
    store.get = () => {
      throw new RangeError('corrupt entry');
    };
    const logs: Record<string, unknown>[] = [];
    const l = new CacheLayer(new ResponseCache({ store, flights: new MemoryFlightTable(), coalesceWaitMs: 1000, log: (e) => logs.push(e) }));
    const { client, phpRan } = await run(l, exchange('GET', '/x'), page);
    assert.equal(phpRan, true);
    assert.equal(client.status, 200);
    assert.equal(client.text(), '<p>hello</p>');
    assert.deepEqual(client.header('askr-cache'), []);
    assert.equal(logs[0]?.event, 'cache.error');
  });
});
