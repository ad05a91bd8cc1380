import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SIMPLE_HEAD, parseSimpleRequest } from '../src/http/simple-request.js';

const parse = (text: string, offset = 0): ReturnType<typeof parseSimpleRequest> => parseSimpleRequest(Buffer.from(text, 'latin1'), offset);

describe('the plain front\'s request reader', () => {
  it('reads a plain GET and HEAD as Node would present them', () => {
    const r = parse('GET /posts?page=2 HTTP/1.1\r\nHost: shop.test\r\nAccept-Encoding:  gzip \r\nX-Empty:\r\n\r\n');
    assert.equal(r.kind, 'request');
    assert.deepEqual(r.request, {
      method: 'GET',
      target: '/posts?page=2',
      headers: { host: 'shop.test', 'accept-encoding': 'gzip', 'x-empty': '' },
      rawHeaders: ['Host', 'shop.test', 'Accept-Encoding', 'gzip', 'X-Empty', ''],
      end: 'GET /posts?page=2 HTTP/1.1\r\nHost: shop.test\r\nAccept-Encoding:  gzip \r\nX-Empty:\r\n\r\n'.length,
    });
    const head = parse('HEAD / HTTP/1.1\r\nhost: a\r\nConnection: Keep-Alive\r\n\r\n');
    assert.equal(head.kind === 'request' && head.request.method, 'HEAD');
  });

  it('reads the second of two pipelined requests from its offset', () => {
    const first = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = parse(`${first}GET /b HTTP/1.1\r\nHost: x\r\n\r\n`, first.length);
    assert.equal(r.kind === 'request' && r.request.target, '/b');
  });

  it('waits for the rest of a head, up to a bound', () => {
    assert.equal(parse('GET /a HTTP/1.1\r\nHost: x\r\n').kind, 'incomplete');
    assert.equal(parse('GET /a HTTP/1.1\r\nHost: x\r\nX: ' + 'y'.repeat(MAX_SIMPLE_HEAD)).kind, 'other');
  });

  it('declines everything it would have to interpret', () => {
    const declined = [
      'POST /a HTTP/1.1\r\nHost: x\r\n\r\n',
      'get /a HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /a HTTP/1.0\r\nHost: x\r\n\r\n',
      'GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /a HTTP/1.1\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\n__proto__: 1\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nX-Bin: caf\xe9\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: x\r\nX-Ctl: a\x01b\r\n\r\n',
      'GET /a HTTP/1.1\nHost: x\n\n\r\n\r\n',
    ];
    for (const text of declined) assert.equal(parse(text).kind, 'other', JSON.stringify(text));
  });
});
