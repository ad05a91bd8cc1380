// The hit front: connections start on a small HTTP/1.1 reader (the plain
// front) that answers fresh hits itself and gives the connection to Node's HTTP
// server at the first request that is not a plain GET or HEAD. Raw sockets, so that the
// bytes on the wire, pipelining and the hand-over mid-connection are visible.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually } from '../src/http-client.js';
import { RawConnection, RawConnections, replyHeader, stableHead, type RawReply } from '../src/raw-connection.js';

const APP = String.raw`<?php
return static function (): void {
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
    if ($path === '/page' || $path === '/other') {
        header('Askr-Cache: 60, tags=pages');
        header('Content-Type: text/plain; charset=utf-8');
        header('X-Rendered-By: ' . getmypid());
        echo "page $path rendered";
        return;
    }
    if ($path === '/echo') {
        echo $_SERVER['REQUEST_METHOD'] . ' ' . file_get_contents('php://input');
        return;
    }
    http_response_code(404);
    echo 'not found';
};
`;

const TOKEN = 'hit-front-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: example.test\r\n${extra}\r\n`;

describe('askr serve: the cache-hit front', () => {
  let dir = '';
  let askr: AskrProcess;
  let port = 0;
  const conns = new RawConnections();
  const open = (): RawConnection => conns.open(port);

  /** Access-log lines of hits the hit front answered itself (Node's server logs its hits with via "cache"). */
  const frontHits = (): number => askr.accessLog().filter((e) => e.via === 'hit-front').length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'askr-hit-front-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'worker.php'), APP);
    askr = await startAskr(['--root', join(dir, 'public'), '--worker-script', join(dir, 'worker.php'), '--workers', '1', '--response-cache', '8', '--run-dir', join(dir, 'run'), '--admin-token', TOKEN]);
    port = Number(new URL(askr.url).port);
    // Prime both pages: MISS, stored.
    const c = open();
    for (const path of ['/page', '/other']) {
      c.send(get(path));
      assert.equal(replyHeader(await c.read(), 'x-askr-cache'), 'MISS');
    }
  });
  after(async () => {
    conns.closeAll();
    await askr.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a hit with the bytes Node\'s HTTP server sends for it', async () => {
    const answered = frontHits();
    const front = open();
    front.send(get('/page'));
    const fast = await front.read();
    await eventually(() => (frontHits() === answered + 1 ? true : undefined), 5000, 'the hit front\'s access-log line');
    // A repeated header is one the hit front leaves to Node: the same hit, through Node's server.
    const viaNode = open();
    viaNode.send(get('/page', 'X-Twice: 1\r\nX-Twice: 2\r\n'));
    const slow = await viaNode.read();
    assert.equal(replyHeader(fast, 'x-askr-cache'), 'HIT');
    assert.deepEqual(stableHead(fast).map((l) => l.replace(/^age: \d+$/, 'age: N')), stableHead(slow).map((l) => l.replace(/^age: \d+$/, 'age: N')));
    assert.equal(fast.body, slow.body);
    assert.match(replyHeader(fast, 'date') ?? '', /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
  });

  it('answers pipelined hits in order, and HEAD without a body', async () => {
    const answered = frontHits();
    const c = open();
    c.send(get('/page') + get('/other') + get('/page').replace('GET', 'HEAD') + get('/other'));
    const replies = [await c.read(), await c.read(), await c.read(true), await c.read()];
    assert.deepEqual(replies.map((r) => r.body), ['page /page rendered', 'page /other rendered', '', 'page /other rendered']);
    assert.equal(replyHeader(replies[2] as RawReply, 'content-length'), String('page /page rendered'.length));
    assert.ok(replies.every((r) => replyHeader(r, 'x-askr-cache') === 'HIT'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.unread, 0, 'nothing after the HEAD response\'s head');
    await eventually(() => (frontHits() === answered + 4 ? true : undefined), 5000, 'four hits answered by the hit front');
  });

  it('hands the connection to Node mid-stream: a pipelined POST and the hits around it, in order', async () => {
    const c = open();
    const post = 'POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';
    c.send(get('/page') + post + get('/other'));
    const [a, b, d] = [await c.read(), await c.read(), await c.read()];
    assert.equal(a.body, 'page /page rendered');
    assert.equal(b.body, 'POST hello');
    assert.equal(d.body, 'page /other rendered');
    assert.equal(replyHeader(d, 'x-askr-cache'), 'HIT', 'Node\'s server answers hits from the cache too');
    // The connection stays usable.
    c.send(get('/page'));
    assert.equal((await c.read()).body, 'page /page rendered');
  });

  it('waits for a head that arrives in pieces', async () => {
    const c = open();
    const text = get('/page');
    for (const piece of [text.slice(0, 5), text.slice(5, 20), text.slice(20)]) {
      c.send(piece);
      await new Promise((r) => setTimeout(r, 30));
    }
    const r = await c.read();
    assert.equal(replyHeader(r, 'x-askr-cache'), 'HIT');
    assert.equal(r.body, 'page /page rendered');
  });

  it('leaves personal requests, Connection: close and HTTP/1.0 to the full pipeline', async () => {
    const cookie = open();
    cookie.send(get('/page', 'Cookie: session=1\r\n'));
    assert.equal(replyHeader(await cookie.read(), 'x-askr-cache'), 'BYPASS');
    const closing = open();
    closing.send(get('/page', 'Connection: close\r\n'));
    const r = await closing.read();
    assert.equal(replyHeader(r, 'connection'), 'close');
    await eventually(() => (closing.closed ? true : undefined), 5000, 'the server to close the connection');
    const old = open();
    old.send('GET /page HTTP/1.0\r\nHost: example.test\r\n\r\n');
    const r10 = await old.read();
    assert.match(r10.head[0] ?? '', /^HTTP\/1\.1 200/);
    assert.equal(r10.body, 'page /page rendered');
  });

  it('a forgotten tag is a miss at once', async () => {
    const c = open();
    c.send(get('/page'));
    const before = await c.read();
    assert.equal(replyHeader(before, 'x-askr-cache'), 'HIT');
    const res = await fetch(`${askr.admin ?? ''}/askr/cache/forget-tag`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['pages'] }) });
    assert.ok(res.ok, `forget: ${res.status}`);
    c.send(get('/page'));
    assert.equal(replyHeader(await c.read(), 'x-askr-cache'), 'MISS');
  });

  it('counts and logs the hits it answers', async () => {
    const metrics = await (await fetch(`${askr.admin ?? ''}/metrics`, { headers: auth })).text();
    const hits = Number(/^askr_cache_requests_total\{result="hit"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    assert.ok(hits >= 10, `askr_cache_requests_total{result="hit"} = ${hits}`);
    assert.ok(frontHits() >= 8, 'access-log lines for the hit front\'s hits');
  });
});
