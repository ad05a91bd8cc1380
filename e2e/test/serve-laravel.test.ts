import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually, http, multipart } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');

describe('askr serve, Laravel in worker mode', () => {
  let askr: AskrProcess;
  before(async () => {
    askr = await startAskr(['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php'), '--workers', '2']);
  });
  after(async () => {
    await askr.stop();
  });

  it('GET /hello answers text from a booted app', async () => {
    const r = await http(`${askr.url}/hello`);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'Hello, World!');
    assert.match(String(r.headers['content-type']), /^text\/plain/);
  });

  it('GET /posts renders the Blade page with 20 posts', async () => {
    const r = await http(`${askr.url}/posts`);
    assert.equal(r.status, 200);
    assert.equal((r.text.match(/<li id="post-/g) ?? []).length, 20);
    assert.match(r.text, /20 posts/);
  });

  it('static files come from the public dir, PHP sources never do', async () => {
    const r = await http(`${askr.url}/robots.txt`);
    assert.equal(r.status, 200);
    assert.match(r.text, /User-agent/);
    assert.doesNotMatch((await http(`${askr.url}/index.php`)).text, /<\?php/);
  });

  it('POST /form reads url-encoded, JSON and PUT bodies', async () => {
    const form = await http(`${askr.url}/form`, { method: 'POST', body: 'a=1&b%5B%5D=x&b%5B%5D=y', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual((JSON.parse(form.text) as { fields: unknown }).fields, { a: '1', b: ['x', 'y'] });
    const json = await http(`${askr.url}/form`, { method: 'POST', body: JSON.stringify({ n: 5, s: 'ü' }), headers: { 'Content-Type': 'application/json' } });
    assert.deepEqual((JSON.parse(json.text) as { fields: unknown }).fields, { n: 5, s: 'ü' });
    const put = await http(`${askr.url}/form`, { method: 'PUT', body: 'k=v', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(JSON.parse(put.text), { method: 'PUT', fields: { k: 'v' }, content_type: 'application/x-www-form-urlencoded' });
  });

  it('POST /upload receives files through Laravel (isValid, move)', async () => {
    const data = Buffer.from('x'.repeat(200_000));
    const { body, contentType } = multipart([
      { name: 'note', value: 'hi' },
      { name: 'file', filename: 'report.txt', type: 'text/plain', data },
    ]);
    const r = await http(`${askr.url}/upload`, { method: 'POST', body, headers: { 'Content-Type': contentType } });
    const out = JSON.parse(r.text) as { files: { name: string; size: number; sha1: string; valid: boolean; moved: boolean }[]; fields: unknown };
    assert.deepEqual(out.fields, { note: 'hi' });
    assert.equal(out.files.length, 1);
    assert.equal(out.files[0]?.name, 'report.txt');
    assert.equal(out.files[0].size, data.length);
    assert.equal(out.files[0].valid, true);
    assert.equal(out.files[0].moved, true);
    assert.equal(out.files[0].sha1, createHash('sha1').update(data).digest('hex'));
  });

  it('GET /stream delivers each flushed chunk before the next is produced', async () => {
    const arrivals: { at: number; text: string }[] = [];
    const r = await http(`${askr.url}/stream?ms=300`, { onChunk: (c, at) => arrivals.push({ at, text: c.toString() }) });
    assert.equal(r.status, 200);
    const lines = r.text.trim().split('\n');
    assert.equal(lines.length, 3);
    const firstChunk = arrivals.findIndex((a) => a.text.includes('chunk 1'));
    const lastChunk = arrivals.findIndex((a) => a.text.includes('chunk 3'));
    assert.ok(firstChunk !== -1 && lastChunk > firstChunk, 'chunk 1 and chunk 3 arrived in separate reads');
    // Each line carries PHP's clock when it was produced: chunk 1 reached us before chunk 3 existed.
    const producedAt3 = Number(lines[2]?.split(' at ')[1]);
    const producedAt1 = Number(lines[0]?.split(' at ')[1]);
    assert.ok(producedAt3 - producedAt1 >= 0.5, 'the app paused between chunks');
  });

  it('GET /boom answers the app\'s own 500 and /explode the exception handler\'s', async () => {
    const boom = await http(`${askr.url}/boom?debug=1`, { method: 'POST', body: 'payload=42', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(boom.status, 500);
    assert.equal(boom.headers['x-boom'], 'yes');
    assert.equal(boom.text, 'boom uri=/boom?debug=1 body=payload=42');
    assert.equal((await http(`${askr.url}/explode`)).status, 500);
    assert.equal((await http(`${askr.url}/hello`)).status, 200);
  });

  it('askr_defer() work runs after the response, before the worker takes another request', async () => {
    const id = `w${process.pid}${Date.now()}`;
    const file = join(app, 'storage/app', `deferred-${id}`);
    rmSync(file, { force: true });
    const release = join(app, 'storage/app', `release-${id}`);
    // The deferred work runs until the release file exists (or 30 s pass).
    const r = await http(`${askr.url}/defer?id=${id}&ms=30000&release=${id}`, { timeoutMs: 20_000 });
    assert.equal(r.status, 200);
    assert.equal(existsSync(file), false, 'the response arrived before the deferred work finished');
    writeFileSync(release, '');
    await eventually(() => (existsSync(file) ? true : undefined), 10_000, 'the deferred file');
    rmSync(file, { force: true });
    rmSync(release, { force: true });
  });

  it('writes one JSON access-log line per request', async () => {
    await http(`${askr.url}/hello?log=1`);
    const entry = await eventually(() => askr.accessLog().find((e) => e.uri === '/hello?log=1'), 5000, 'the access-log line');
    assert.equal(entry.status, 200);
    assert.equal(entry.method, 'GET');
    assert.equal(entry.via, 'php');
    assert.equal(typeof entry.ms, 'number');
    assert.equal(typeof entry.worker, 'number');
  });
});
