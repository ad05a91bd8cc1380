import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PlainConnection, type PlainAnswerer } from '../src/http/plain-connection.js';
import type { PlainResponse } from '../src/http/plain-response.js';
import type { SimpleRequest } from '../src/http/simple-request.js';

/**
 * An answerer scripted by the request path: `/later` answers when the test
 * says so, `/now` at once, `/node` is declined.
 */
class Script implements PlainAnswerer {
  readonly later: { path: string; res: PlainResponse }[] = [];
  connection: PlainConnection | null = null;

  answer(request: SimpleRequest, connection: PlainConnection): boolean {
    this.connection = connection;
    if (request.target === '/node') return false;
    const res = connection.respond(request.method);
    if (request.target.startsWith('/later')) {
      this.later.push({ path: request.target, res });
      return true;
    }
    res.writeHead(200, ['Content-Length', '3']);
    res.end(Buffer.from('now'));
    return true;
  }
}

const KEEP_ALIVE = 'Keep-Alive: timeout=5\r\n';

describe('the plain front\'s connection and response', () => {
  let server: Server;
  let port = 0;
  let script = new Script();
  let handedOff: { socket: Socket; bytes: Buffer[] }[] = [];

  before(async () => {
    server = createServer((socket) => {
      new PlainConnection(socket, script, (s) => {
        const entry = { socket: s, bytes: [] as Buffer[] };
        s.on('data', (b: Buffer) => entry.bytes.push(b));
        handedOff.push(entry);
      }, KEEP_ALIVE, 10_000, () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    for (const h of handedOff) h.socket.destroy();
    await new Promise((r) => server.close(r));
  });

  /** A client that collects everything it receives. */
  async function client(): Promise<{ socket: Socket; text: () => string; closed: () => boolean }> {
    script = new Script();
    handedOff = [];
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.on('data', (b: Buffer) => (received += b.toString('latin1')));
    socket.on('close', () => (closed = true));
    await new Promise((r) => socket.once('connect', r));
    return { socket, text: () => received, closed: () => closed };
  }

  async function until(what: string, check: () => boolean): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (check()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  const get = (path: string, method = 'GET'): string => `${method} ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;
  const statusLines = (text: string): string[] => text.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];

  it('answers pipelined requests in order when an earlier one answers later', async () => {
    const c = await client();
    c.socket.write(get('/later-1') + get('/now') + get('/later-2'));
    await until('the first request', () => script.later.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.text(), '', 'nothing is answered before the first response');
    assert.equal(script.later.length, 1, 'later requests wait for the response before them');
    const first = script.later[0]?.res;
    first?.writeHead(200, ['Content-Length', '5']);
    first?.end(Buffer.from('first'));
    await until('the third request', () => script.later.length === 2);
    const third = script.later[1]?.res;
    third?.writeHead(201, ['X-A', '1']);
    third?.write(Buffer.from('th'));
    third?.end(Buffer.from('ird'));
    await until('three responses', () => c.text().endsWith('0\r\n\r\n'));
    const text = c.text();
    assert.deepEqual(statusLines(text), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 201 Created']);
    assert.ok(text.indexOf('first') < text.indexOf('now') && text.indexOf('now') < text.indexOf('2\r\nth\r\n3\r\nird\r\n0\r\n\r\n'), text);
    assert.match(text, /X-A: 1\r\nDate: [^\r]+ GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n/);
    c.socket.destroy();
  });

  it('sends no body for HEAD and 204, and no chunked framing either', async () => {
    const c = await client();
    c.socket.write(get('/later-head', 'HEAD'));
    await until('the request', () => script.later.length === 1);
    const head = script.later[0]?.res;
    head?.writeHead(200, ['Content-Type', 'text/plain']);
    head?.write(Buffer.from('dropped'));
    head?.end();
    c.socket.write(get('/later-204'));
    await until('the second request', () => script.later.length === 2);
    const empty = script.later[1]?.res;
    empty?.writeHead(204, []);
    empty?.end(Buffer.from('dropped too'));
    await until('two responses', () => statusLines(c.text()).length === 2 && c.text().endsWith('\r\n\r\n'));
    assert.doesNotMatch(c.text(), /dropped|Transfer-Encoding|Content-Length/);
    c.socket.destroy();
  });

  it('refuses a header Node would refuse, before writing anything', async () => {
    const c = await client();
    c.socket.write(get('/later'));
    await until('the request', () => script.later.length === 1);
    const res = script.later[0]?.res;
    assert.throws(() => res?.writeHead(200, ['X-Bad', 'a\u0001b']), { code: 'ERR_INVALID_CHAR' });
    assert.throws(() => res?.writeHead(200, ['Bad Name', 'x']), { code: 'ERR_INVALID_CHAR' });
    res?.writeHead(500, { 'Content-Length': 0 });
    res?.end();
    await until('the response', () => c.text().endsWith('\r\n\r\n'));
    assert.deepEqual(statusLines(c.text()), ['HTTP/1.1 500 Internal Server Error']);
    c.socket.destroy();
  });

  it('hands the socket to Node at a declined request, with the bytes not yet answered', async () => {
    const c = await client();
    c.socket.write(get('/now') + get('/node') + 'POST /x HTTP/1.1\r\n');
    await until('the hand-over', () => handedOff.length === 1 && Buffer.concat(handedOff[0]?.bytes ?? []).length > 0);
    assert.deepEqual(statusLines(c.text()), ['HTTP/1.1 200 OK']);
    assert.equal(Buffer.concat(handedOff[0]?.bytes ?? []).toString('latin1'), get('/node') + 'POST /x HTTP/1.1\r\n');
    c.socket.destroy();
  });

  it('on close(), ends the connection after the response in flight, which says Connection: close', async () => {
    const c = await client();
    c.socket.write(get('/later'));
    await until('the request', () => script.later.length === 1);
    script.connection?.close();
    assert.equal(c.closed(), false, 'a busy connection is not cut');
    const res = script.later[0]?.res;
    res?.writeHead(200, ['Content-Length', '2']);
    res?.end(Buffer.from('ok'));
    await until('the server to end the connection', () => c.closed());
    assert.match(c.text(), /^HTTP\/1\.1 200 OK\r\nContent-Length: 2\r\nDate: [^\r]+ GMT\r\nConnection: close\r\n\r\nok$/);
  });

  it('resumes a paused producer when the client leaves', async () => {
    const c = await client();
    c.socket.write(get('/later'));
    await until('the request', () => script.later.length === 1);
    const res = script.later[0]?.res;
    let resumed = 0;
    res?.on('drain', () => resumed++);
    c.socket.destroy();
    await until('the resume', () => resumed === 1);
  });
});
