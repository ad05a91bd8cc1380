// The plain front: connections start on a small HTTP/1.1 reader that takes
// plain GETs and HEADs itself, PHP responses included, and gives the
// connection to Node's HTTP server at the first request that is anything
// else. A request with a repeated header is one it leaves to Node, so every
// response here is compared with Node's own bytes for the same request.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { RawConnection, RawConnections, replyHeader, stableHead, type RawReply } from '../src/raw-connection.js';

const APP = String.raw`<?php
return static function (): void {
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
    parse_str($_SERVER['QUERY_STRING'] ?? '', $q);
    switch ($path) {
        case '/hello':
            header('Content-Type: text/plain; charset=utf-8');
            setcookie('a', '1');
            setcookie('b', '2');
            echo 'hello from PHP';
            return;
        case '/stream':
            echo 'first ';
            flush();
            echo 'second';
            return;
        case '/empty':
            http_response_code(204);
            return;
        case '/not-modified':
            http_response_code(304);
            header('ETag: "v1"');
            return;
        case '/fatal':
            throw new RuntimeException('boom');
        case '/server':
            header('Content-Type: application/json');
            $keys = ['REQUEST_METHOD', 'REQUEST_URI', 'QUERY_STRING', 'SERVER_PROTOCOL', 'HTTP_HOST', 'HTTP_COOKIE', 'HTTP_X_CUSTOM', 'REMOTE_ADDR'];
            echo json_encode(array_intersect_key($_SERVER, array_flip($keys)));
            return;
        case '/big':
            if (isset($q['mark'])) {
                touch($q['mark']);
            }
            $piece = str_repeat('x', 64 * 1024);
            for ($i = 0; $i < (int) ($q['pieces'] ?? 64); $i++) {
                echo $piece;
                flush();
            }
            return;
        case '/slow':
            if (isset($q['mark'])) {
                touch($q['mark']);
            }
            usleep((int) ($q['ms'] ?? 300) * 1000);
            echo 'slow done';
            return;
        case '/echo':
            echo $_SERVER['REQUEST_METHOD'] . ' ' . file_get_contents('php://input');
            return;
    }
    http_response_code(404);
    echo 'not found';
};
`;

const request = (method: string, path: string, extra = ''): string => `${method} ${path} HTTP/1.1\r\nHost: example.test\r\n${extra}\r\n`;
/** A repeated header: a request the plain front leaves to Node's HTTP server. */
const VIA_NODE = 'X-Twice: 1\r\nX-Twice: 2\r\n';

describe('askr serve: PHP over the plain front', () => {
  let dir = '';
  let askr: AskrProcess;
  let port = 0;
  const conns = new RawConnections();
  const open = (): RawConnection => conns.open(port);
  /** The response to one request on a fresh connection. */
  const once = async (method: string, path: string, extra = ''): Promise<RawReply> => {
    const c = open();
    c.send(request(method, path, extra));
    return c.read(method === 'HEAD');
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'askr-plain-front-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'style.css'), 'body{}');
    writeFileSync(join(dir, 'worker.php'), APP);
    askr = await startAskr(['--root', join(dir, 'public'), '--worker-script', join(dir, 'worker.php'), '--workers', '1', '--request-timeout', '2', '--run-dir', join(dir, 'run')]);
    port = Number(new URL(askr.url).port);
  });
  after(async () => {
    conns.closeAll();
    await askr.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('frames every kind of PHP response as Node\'s HTTP server does', async () => {
    const cases: [string, string][] = [
      ['GET', '/hello'], ['HEAD', '/hello'], ['GET', '/stream'], ['HEAD', '/stream'], ['GET', '/empty'],
      ['GET', '/not-modified'], ['GET', '/fatal'], ['GET', '/missing'],
    ];
    for (const [method, path] of cases) {
      const plain = await once(method, path);
      const node = await once(method, path, VIA_NODE);
      const label = `${method} ${path}`;
      assert.deepEqual(stableHead(plain), stableHead(node), `${label}: the head`);
      assert.equal(plain.body, node.body, `${label}: the body`);
      assert.equal(plain.framing, node.framing, `${label}: the framing`);
    }
    const streamed = await once('GET', '/stream');
    assert.equal(streamed.framing, 'chunked');
    assert.equal(streamed.body, 'first second');
    const hello = await once('GET', '/hello');
    assert.deepEqual(hello.head.filter((l) => l.startsWith('Set-Cookie')), ['Set-Cookie: a=1', 'Set-Cookie: b=2']);
    assert.equal(replyHeader(hello, 'connection'), 'keep-alive');
  });

  it('gives PHP the same $_SERVER as Node\'s path does', async () => {
    const extra = 'Cookie: session=abc\r\nX-Custom: yes\r\n';
    const plain = JSON.parse((await once('GET', '/server?page=2', extra)).body) as Record<string, string>;
    const node = JSON.parse((await once('GET', '/server?page=2', extra + VIA_NODE)).body) as Record<string, string>;
    assert.deepEqual(plain, node);
    assert.deepEqual(plain, {
      REQUEST_METHOD: 'GET', REQUEST_URI: '/server?page=2', QUERY_STRING: 'page=2', SERVER_PROTOCOL: 'HTTP/1.1',
      HTTP_HOST: 'example.test', HTTP_COOKIE: 'session=abc', HTTP_X_CUSTOM: 'yes', REMOTE_ADDR: '127.0.0.1',
    });
  });

  it('answers pipelined requests in order, across PHP, static files and a hand-over to Node', async () => {
    const c = open();
    const post = 'POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\n\r\nhello';
    c.send(request('GET', '/slow?ms=200') + request('GET', '/stream') + request('HEAD', '/hello') + request('GET', '/style.css') + post + request('GET', '/hello'));
    const replies = [await c.read(), await c.read(), await c.read(true), await c.read(), await c.read(), await c.read()];
    assert.deepEqual(replies.map((r) => r.body), ['slow done', 'first second', '', 'body{}', 'POST hello', 'hello from PHP']);
    await c.more(100);
    assert.equal(c.unread, 0, 'nothing after the last response');
    // The connection, now Node's, stays usable.
    c.send(request('GET', '/hello'));
    assert.equal((await c.read()).body, 'hello from PHP');
  });

  it('a client that half-closes after its requests gets every response, then the server closes too', async () => {
    const c = open();
    c.send(request('GET', '/slow?ms=100') + request('GET', '/hello'));
    c.socket.end();
    assert.equal((await c.read()).body, 'slow done');
    assert.equal((await c.read()).body, 'hello from PHP');
    for (let i = 0; i < 50 && !c.closed; i++) await c.more(100);
    assert.ok(c.closed, 'the server ended its side instead of leaving it half-open');
  });

  it('a client that closes between requests leaves no half-open connection behind', async () => {
    const c = open();
    c.send(request('GET', '/hello'));
    assert.equal((await c.read()).body, 'hello from PHP');
    c.socket.end();
    for (let i = 0; i < 50 && !c.closed; i++) await c.more(100);
    assert.ok(c.closed, 'the server ended its side at the client\'s FIN, not at the idle timeout');
  });

  it('stops reading from PHP while the client does not read, and loses nothing', async () => {
    const c = open();
    c.socket.pause();
    c.send(request('GET', '/big?pieces=160') + request('GET', '/hello'));
    // 10 MiB: more than the sink lets wait for a slow client before it pauses the worker.
    await new Promise((r) => setTimeout(r, 500));
    c.socket.resume();
    const big = await c.read(false, 30_000);
    assert.equal(big.body.length, 160 * 64 * 1024);
    assert.equal((await c.read()).body, 'hello from PHP');
  });

  for (const [path, extra] of [['the plain front', ''], ['Node\'s HTTP server', VIA_NODE]] as const) {
    it(`a client that leaves mid-response does not hold the worker until the request timeout (${path})`, async () => {
      const gone = open();
      gone.socket.pause();
      const name = `big-started-${extra.length}`;
      const mark = join(dir, name);
      gone.send(request('GET', `/big?pieces=400&mark=${mark}`, extra));
      // 25 MiB: the worker is paused for this client long before it is done.
      for (let i = 0; i < 100 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(existsSync(mark), 'the request reached PHP');
      await new Promise((r) => setTimeout(r, 200));
      gone.close();
      // One worker: it must be free again for this request.
      const r = await once('GET', '/hello');
      assert.equal(r.body, 'hello from PHP');
      const line = await askr.waitForLine(new RegExp(`"uri":"[^"]*${name}"`), 10_000);
      const entry = JSON.parse(line) as { status: number; error?: string };
      assert.equal(entry.error, undefined, 'the response ran to its end, not into the request timeout');
    });
  }

  it('past --request-timeout the client gets 504 and the connection stays usable', async () => {
    const c = open();
    c.send(request('GET', '/slow?ms=4000'));
    const r = await c.read(false, 15_000);
    assert.match(r.head[0] ?? '', /^HTTP\/1\.1 504 /);
    c.send(request('GET', '/hello'));
    assert.equal((await c.read(false, 15_000)).body, 'hello from PHP');
  });
});

describe('askr serve: the plain front on SIGTERM', () => {
  it('finishes a request in flight, says Connection: close, and ends the connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'askr-plain-drain-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'worker.php'), APP);
    const askr = await startAskr(['--root', join(dir, 'public'), '--worker-script', join(dir, 'worker.php'), '--workers', '1', '--run-dir', join(dir, 'run')]);
    const c = new RawConnection(Number(new URL(askr.url).port));
    try {
      const mark = join(dir, 'started');
      c.send(request('GET', `/slow?ms=800&mark=${mark}`));
      for (let i = 0; i < 100 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(existsSync(mark), 'the request reached PHP');
      askr.child.kill('SIGTERM');
      const r = await c.read(false, 15_000);
      assert.equal(r.body, 'slow done');
      assert.equal(replyHeader(r, 'connection'), 'close');
      for (let i = 0; i < 50 && !c.closed; i++) await c.more(100);
      assert.ok(c.closed, 'the server ended the connection after the response');
      assert.equal(await askr.exited(20_000), 0);
    } finally {
      c.close();
      await askr.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
