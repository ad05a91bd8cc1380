import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { http, multipart } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/psr15');

describe('askr serve with a PSR-15 handler', () => {
  let askr: AskrProcess;
  before(async () => {
    askr = await startAskr(['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php'), '--workers', '1']);
  });
  after(async () => {
    await askr.stop();
  });

  it('serves the handler\'s response with its status and headers', async () => {
    const r = await http(`${askr.url}/hello`);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'Hello, PSR-15!');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await http(`${askr.url}/nope`)).status, 404);
  });

  it('builds the PSR-7 request: query, parsed body, raw body, cookies, headers, uploads', async () => {
    const form = await http(`${askr.url}/echo?x=1`, { method: 'POST', body: 'a=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'c=3', 'X-Example': 'yes' } });
    const out = JSON.parse(form.text) as Record<string, unknown>;
    assert.deepEqual(out.query, { x: '1' });
    assert.deepEqual(out.parsed, { a: '2' });
    assert.equal(out.body, 'a=2');
    assert.deepEqual(out.cookies, { c: '3' });
    assert.equal(out.header, 'yes');
    assert.equal(form.headers['x-handled-by'], 'psr-15');
    const json = JSON.parse((await http(`${askr.url}/echo`, { method: 'POST', body: '{"k":true}', headers: { 'Content-Type': 'application/json' } })).text) as Record<string, unknown>;
    assert.equal(json.body, '{"k":true}');
    const { body, contentType } = multipart([{ name: 'doc', filename: 'a.txt', type: 'text/plain', data: Buffer.from('12345') }]);
    const up = JSON.parse((await http(`${askr.url}/echo`, { method: 'POST', body, headers: { 'Content-Type': contentType } })).text) as { files: Record<string, { name: string; size: number; error: number }> };
    assert.deepEqual(up.files.doc, { name: 'a.txt', size: 5, error: 0 });
  });

  it('the handler object lives as long as the worker (state the app keeps on purpose)', async () => {
    const a = JSON.parse((await http(`${askr.url}/served`)).text) as { served: number; pid: number };
    const b = JSON.parse((await http(`${askr.url}/served`)).text) as { served: number; pid: number };
    assert.equal(b.pid, a.pid);
    assert.equal(b.served, a.served + 1);
  });
});
