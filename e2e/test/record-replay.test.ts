import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runAskr, startAskr } from '../src/askr-process.js';
import { eventually, http, multipart } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');
const laravel = ['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php')];

function recordings(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

describe('every 5xx recorded, and replayed', () => {
  it('records the request byte for byte, redacts credentials, and replays with `askr replay`', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'askr-errors-'));
    t.after(() => { rmSync(dir, { recursive: true, force: true }); });
    const askr = await startAskr([...laravel, '--workers', '1', '--record-errors', dir, '--admin-token', 't']);
    t.after(() => askr.stop());

    assert.equal((await http(`${askr.url}/hello`)).status, 200);
    const r = await http(`${askr.url}/boom?debug=1`, { method: 'POST', body: 'payload=42', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'session=secret', Authorization: 'Bearer xyz' } });
    assert.equal(r.status, 500);
    const files = await eventually(() => (recordings(dir).length === 1 ? recordings(dir) : undefined), 5000, 'one recording');
    const name = files[0] ?? '';
    assert.match(name, /^\d+-\d+-\d+\.json$/);
    assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600);
    const id = name.slice(0, -5);
    assert.equal(statSync(join(dir, `${id}.body`)).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, `${id}.body`), 'utf8'), 'payload=42');
    const envelope = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
      id: string;
      request: { method: string; uri: string; headers: [string, string][]; server: Record<string, string>; redacted: string[] };
      response: { status: number; headers: [string, string][]; bodyStart: string };
      worker: { pid: number };
    };
    assert.equal(envelope.id, id);
    assert.equal(envelope.request.method, 'POST');
    assert.equal(envelope.request.uri, '/boom?debug=1');
    assert.equal(envelope.response.status, 500);
    assert.equal(envelope.response.bodyStart, 'boom uri=/boom?debug=1 body=payload=42');
    assert.ok(envelope.response.headers.some(([n, v]) => n === 'X-Boom' && v === 'yes'));
    assert.equal(envelope.request.server.HTTP_COOKIE, '[redacted]');
    assert.equal(envelope.request.server.HTTP_AUTHORIZATION, '[redacted]');
    assert.equal(envelope.request.server.SCRIPT_NAME, '/index.php');
    assert.ok(!readFileSync(join(dir, name), 'utf8').includes('secret'), 'the cookie value is nowhere in the file');
    assert.deepEqual(envelope.request.redacted.sort(), ['authorization', 'cookie']);
    assert.equal(typeof envelope.worker.pid, 'number');

    const replay = await runAskr(['replay', join(dir, name)], { timeoutMs: 60_000 });
    assert.equal(replay.code, 0);
    const lines = replay.stdout.split('\n');
    assert.equal(lines[0], `↻ replaying ${id} → POST /boom?debug=1`);
    assert.equal(lines[1], 'HTTP 500');
    assert.ok(lines.includes('X-Boom: yes'));
    assert.equal(lines.at(-2), 'boom uri=/boom?debug=1 body=payload=42');
    assert.match(replay.stderr, /Cookie, Authorization were redacted|Authorization, Cookie were redacted/);

    const list = JSON.parse((await http(`${String(askr.admin)}/askr/errors`, { headers: { 'X-Askr-Token': 't' } })).text) as { errors: { id: string; status: number }[] };
    assert.deepEqual(list.errors.map((e) => [e.id, e.status]), [[id, 500]]);
    const one = await http(`${String(askr.admin)}/askr/errors/${id}`, { headers: { 'X-Askr-Token': 't' } });
    assert.equal((JSON.parse(one.text) as { id: string }).id, id);
    assert.equal((await http(`${String(askr.admin)}/askr/errors/1-2-3`, { headers: { 'X-Askr-Token': 't' } })).status, 404);
    const admin = await http(`${String(askr.admin)}/askr/errors/${id}/replay`, { method: 'POST', headers: { 'X-Askr-Token': 't' } });
    const replayed = JSON.parse(admin.text) as { status: number; body: string; headers: [string, string][] };
    assert.equal(replayed.status, 500);
    assert.equal(replayed.body, 'boom uri=/boom?debug=1 body=payload=42');
  });

  it('records the sidecar\'s own 502 and 504 too, and replays multipart uploads faithfully', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'askr-errors-'));
    t.after(() => { rmSync(dir, { recursive: true, force: true }); });
    const askr = await startAskr([...laravel, '--workers', '1', '--record-errors', dir, '--request-timeout', '1']);
    t.after(() => askr.stop());
    assert.equal((await http(`${askr.url}/crash`)).status, 502);
    assert.equal((await http(`${askr.url}/slow?ms=5000`)).status, 504);
    const data = Buffer.from('uploaded bytes \u0000\u00ff'.repeat(1000), 'latin1');
    const { body, contentType } = multipart([{ name: 'note', value: 'n' }, { name: 'file', filename: 'f.bin', type: 'application/octet-stream', data }]);
    // A 5xx for an upload: the explode route ignores it, Laravel answers 500.
    const failed = await http(`${askr.url}/explode`, { method: 'GET', body, headers: { 'Content-Type': contentType } });
    assert.equal(failed.status, 500);
    const files = await eventually(() => (recordings(dir).length === 3 ? recordings(dir) : undefined), 5000, 'three recordings');
    const envelopes = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string; response: { status: number }; error: { code: string } | null; request: { body: { bytes: number } } });
    assert.deepEqual(envelopes.map((e) => e.response.status).sort(), [500, 502, 504]);
    assert.equal(envelopes.find((e) => e.response.status === 502)?.error?.code, 'ASKR_ERR_WORKER_DIED');
    assert.equal(envelopes.find((e) => e.response.status === 504)?.error?.code, 'ASKR_ERR_TIMEOUT');
    const upload = envelopes.find((e) => e.response.status === 500);
    assert.equal(upload?.request.body.bytes, body.length);
    assert.deepEqual(readFileSync(join(dir, `${upload.id}.body`)), body, 'the multipart body is kept byte for byte');
  });

  it('retention keeps the newest recordings within --record-max-files', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'askr-errors-'));
    t.after(() => { rmSync(dir, { recursive: true, force: true }); });
    const askr = await startAskr([...laravel, '--workers', '1', '--record-errors', dir, '--record-max-files', '3']);
    t.after(() => askr.stop());
    // A file may be pruned between the listing and the read; `eventually` retries on that.
    const uris = (): string[] => recordings(dir).map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { request: { uri: string } }).request.uri).sort();
    for (let i = 0; i < 6; i++) {
      assert.equal((await http(`${askr.url}/boom?n=${i}`)).status, 500);
      // The recorder writes after the response and prunes after a write at most once a second:
      // the next write must come more than a second after this one, so wait for this one first.
      await eventually(() => (uris().includes(`/boom?n=${i}`) ? true : undefined), 5000, `the recording of /boom?n=${i}`);
      await new Promise((r) => setTimeout(r, 1100));
    }
    const expected = ['/boom?n=3', '/boom?n=4', '/boom?n=5'];
    let seen: string[] = [];
    const kept = await eventually(() => {
      seen = uris();
      return seen.join() === expected.join() ? seen : undefined;
    }, 5000, `the recordings kept to ${expected.join(', ')}`).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last seen on disk: ${seen.join(', ')}`, { cause: err });
    });
    assert.deepEqual(kept, expected);
  });

  it('askr replay fails clearly on a file that is not a recording', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'askr-errors-'));
    t.after(() => { rmSync(dir, { recursive: true, force: true }); });
    writeFileSync(join(dir, 'bad.json'), '{"hello":"world"}');
    const r = await runAskr(['replay', join(dir, 'bad.json')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not an Askr error recording: unknown version/);
    const missing = await runAskr(['replay', join(dir, 'nope.json')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /cannot read/);
  });
});
