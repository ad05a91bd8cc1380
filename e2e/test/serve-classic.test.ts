import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually, http, multipart } from '../src/http-client.js';
import { processAlive } from '../src/process-alive.js';
import { repoRoot } from '../src/repo.js';

const root = join(repoRoot, 'e2e/fixtures/classic');

function setCookies(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'set-cookie') out.push(raw[i + 1] ?? '');
  return out;
}

/**
 * The report file a fixture writes once the test creates its release file
 * (defer.php, finish-request.php), both absent at the start and removed after
 * the test; `report` waits (bounded) for the file's content.
 */
function releasedReport(prefix: string, t: { after: (fn: () => void) => void }): { id: string; file: string; release: string; report: (what: string) => Promise<string> } {
  const id = `c${process.pid}${Date.now()}`;
  const file = join(tmpdir(), `${prefix}-${id}`);
  const release = `${file}.release`;
  const remove = (): void => {
    rmSync(file, { force: true });
    rmSync(release, { force: true });
  };
  remove();
  t.after(remove);
  // file_put_contents() creates the file before it writes: wait for content, not just the name.
  const report = (what: string): Promise<string> => eventually(() => (existsSync(file) ? readFileSync(file, 'utf8') || undefined : undefined), 10_000, what);
  return { id, file, release, report };
}

describe('askr serve, classic mode (PHP-FPM behaviour)', () => {
  let askr: AskrProcess;
  before(async () => {
    askr = await startAskr(['--root', root, '--workers-min', '2', '--workers-max', '4']);
  });
  after(async () => {
    await askr.stop();
  });

  it('runs the script a URL names, with PATH_INFO, and falls back to the front controller', async () => {
    const info = await http(`${askr.url}/server.php/extra/path?x=1`);
    const server = JSON.parse(info.text) as Record<string, string>;
    assert.equal(server.SCRIPT_NAME, '/server.php');
    assert.equal(server.PATH_INFO, '/extra/path');
    assert.equal(server.SCRIPT_FILENAME, join(root, 'server.php'));
    assert.equal(server.QUERY_STRING, 'x=1');
    assert.equal(server.REQUEST_METHOD, 'GET');
    assert.equal(server.DOCUMENT_ROOT, root);
    const front = await http(`${askr.url}/pretty/url?q=2`);
    assert.equal(front.text, 'front controller uri=/pretty/url?q=2 script=/index.php');
    const sub = await http(`${askr.url}/sub/`);
    assert.equal(sub.text, 'sub index cwd=sub');
    assert.equal((await http(`${askr.url}/missing.php`)).status, 404);
  });

  it('header(), header_remove(), headers_list(), http_response_code() behave as under FPM', async () => {
    const r = await http(`${askr.url}/headers.php`);
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-one'], '1');
    assert.equal(r.headers['x-multi'], 'a, b');
    assert.equal(r.headers['x-replaced'], 'new');
    assert.equal(r.headers['x-removed'], undefined);
    assert.equal(r.headers['content-type'], 'text/plain;charset=UTF-8'.replace(';', '; '));
    const body = JSON.parse(r.text) as { list: string[]; sent: boolean; code: number };
    assert.deepEqual(body.list, ['X-One: 1', 'X-Multi: a', 'X-Multi: b', 'X-Replaced: new', 'Content-Type: text/plain; charset=UTF-8']);
    assert.equal(body.sent, false);
    assert.equal(body.code, 201);
    assert.equal((await http(`${askr.url}/status-line.php`)).status, 418);
    const loc = await http(`${askr.url}/location.php`);
    assert.equal(loc.status, 302);
    assert.equal(loc.headers.location, '/elsewhere');
  });

  it('setcookie() and setrawcookie() produce the same Set-Cookie lines as PHP', async () => {
    const r = await http(`${askr.url}/cookies.php`);
    const cookies = setCookies(r.rawHeaders);
    assert.equal(cookies[0], 'plain=a%20value%3B%20with%3Dspecials');
    assert.match(cookies[1] ?? '', /^opts=x; expires=Wed, 18 May 2033 03:33:20 GMT; Max-Age=\d+; path=\/p; domain=example\.test; secure; HttpOnly; SameSite=Strict$/);
    assert.equal(cookies[2], 'raw=a%20b');
    assert.equal(cookies[3], 'gone=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0');
  });

  it('exit and die end the request with the output so far; shutdown functions still print', async () => {
    const e = await http(`${askr.url}/exit.php`);
    assert.equal(e.status, 200);
    assert.equal(e.text, 'before exit\n');
    assert.equal(e.headers['x-before-exit'], 'yes');
    const d = await http(`${askr.url}/die.php`);
    assert.equal(d.status, 403);
    assert.equal(d.text, 'denied by die()\n');
    const s = await http(`${askr.url}/shutdown.php`);
    assert.equal(s.text, 'main body\nfrom shutdown function\n');
  });

  it('a native PHP session sends its cookie and cache headers, and keeps its data between requests', async () => {
    const first = await http(`${askr.url}/session.php`);
    const cookies = setCookies(first.rawHeaders);
    assert.equal(cookies.length, 1, 'one session cookie');
    assert.match(cookies[0] ?? '', /^PHPSESSID=[a-z0-9]+; path=\/$/);
    assert.equal(first.headers['cache-control'], 'no-store, no-cache, must-revalidate');
    assert.equal(first.headers.pragma, 'no-cache');
    const session = (cookies[0] ?? '').split(';')[0] ?? '';
    const started = JSON.parse(first.text) as { visits: number; file: string };
    try {
      assert.equal(started.visits, 1);
      // ext/session writes the data in its request shutdown, after the response has gone.
      const again = await http(`${askr.url}/session.php`, { headers: { Cookie: session } });
      assert.equal(setCookies(again.rawHeaders).length, 0, 'a known session sends no new cookie');
      assert.equal((JSON.parse(again.text) as { visits: number }).visits, 2);
    } finally {
      rmSync(started.file, { force: true });
    }
  });

  it('output buffers nest and open ones are flushed at the end', async () => {
    const r = await http(`${askr.url}/ob.php`);
    assert.equal(r.text, 'KEPT the dog sat\n');
  });

  it('a fatal error, running out of memory or an uncaught exception answers 500, the worker pool carries on', async () => {
    assert.equal((await http(`${askr.url}/fatal.php`)).status, 500);
    assert.equal((await http(`${askr.url}/exception.php`)).status, 500);
    assert.equal((await http(`${askr.url}/exhaust.php`)).status, 500, 'out of memory, with the output buffers gone');
    assert.equal((await http(`${askr.url}/index.php`)).status, 200);
  });

  it('a chunked request body gets a CONTENT_LENGTH, as behind nginx', async () => {
    const r = await http(`${askr.url}/json-input.php`, { method: 'POST', body: '{"x":1}', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } });
    const out = JSON.parse(r.text) as { received: unknown; length: string };
    assert.deepEqual(out.received, { x: 1 });
    assert.equal(out.length, '7');
  });

  it('php://input carries a JSON body; $_POST stays empty for it', async () => {
    const payload = JSON.stringify({ a: [1, 2], b: 'ü' });
    const r = await http(`${askr.url}/json-input.php`, { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json' } });
    const out = JSON.parse(r.text) as { received: unknown; post: unknown[]; length: string };
    assert.deepEqual(out.received, { a: [1, 2], b: 'ü' });
    assert.deepEqual(out.post, []);
    assert.equal(out.length, String(Buffer.byteLength(payload)));
  });

  it('multipart uploads fill $_FILES and $_POST; is_uploaded_file and move_uploaded_file work', async () => {
    const data = Buffer.alloc(300_000, 7);
    const { body, contentType } = multipart([
      { name: 'title', value: 'hello' },
      { name: 'tags[]', value: 'a' },
      { name: 'tags[]', value: 'b' },
      { name: 'doc', filename: 'big.dat', type: 'application/octet-stream', data },
    ]);
    const r = await http(`${askr.url}/upload.php`, { method: 'POST', body, headers: { 'Content-Type': contentType } });
    const out = JSON.parse(r.text) as { post: Record<string, unknown>; files: Record<string, Record<string, unknown>>; input: string };
    assert.deepEqual(out.post, { title: 'hello', tags: ['a', 'b'] });
    const doc = out.files.doc!;
    assert.equal(doc.name, 'big.dat');
    assert.equal(doc.size, data.length);
    assert.equal(doc.error, 0);
    assert.equal(doc.is_uploaded, true);
    assert.equal(doc.moved, true);
    assert.equal(doc.not_uploaded, false);
    const { createHash } = await import('node:crypto');
    assert.equal(doc.sha1, createHash('sha1').update(data).digest('hex'));
    assert.equal(doc.moved_sha1, doc.sha1);
    assert.equal(out.input, '', 'php://input is empty for multipart bodies, as in PHP');
  });

  it('flush() reaches the client before the script ends', async () => {
    const arrivals: number[] = [];
    const r = await http(`${askr.url}/flush.php`, { onChunk: (_c, at) => arrivals.push(at) });
    assert.equal(r.text, 'part 1\npart 2\npart 3\n');
    assert.ok(arrivals.length >= 3, `expected the body in at least 3 chunks, got ${arrivals.length}`);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
  });

  it('askr_defer() runs after the client has the response', async (t) => {
    const { id, file, release, report } = releasedReport('askr-classic-defer', t);
    // The deferred work waits for the release file, so the file cannot exist yet, unless the defer
    // ran before the response: the response would then have waited out its 10 s bound and the file.
    const r = await http(`${askr.url}/defer.php?id=${id}`);
    assert.equal(r.text, 'response first\n');
    assert.equal(existsSync(file), false, 'deferred work must not have run before the response arrived');
    writeFileSync(release, '');
    assert.equal(await report('the deferred file'), 'done');
  });

  it('fastcgi_finish_request() sends the response and lets the script run on, as under FPM', async (t) => {
    const { id, file, release, report } = releasedReport('askr-classic-finish', t);
    // The script waits for the release file after fastcgi_finish_request(): the response can only
    // arrive first if the call sent it.
    const r = await http(`${askr.url}/finish-request.php?id=${id}`);
    assert.equal(r.text, 'page\n', 'output after the call goes nowhere');
    assert.equal(r.headers['x-before-finish'], 'yes');
    assert.equal(r.headers['x-after-finish'], undefined);
    assert.equal(existsSync(file), false, 'the script is still running');
    writeFileSync(release, '');
    assert.deepEqual(JSON.parse(await report('the script\'s report')), { released: true, first: true, second: false, headersSent: true });
  });

  it('a process is reused only for scripts that leave nothing behind, and their globals are cleared', async () => {
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(JSON.parse((await http(`${askr.url}/reuse.php?i=${i}`)).text) as { pid: number; leftover: boolean; get: Record<string, string> });
    assert.ok(runs.every((r) => !r.leftover), 'a global set by the previous request is gone');
    assert.deepEqual(runs.map((r) => r.get.i), ['0', '1', '2', '3', '4']);
    assert.ok(new Set(runs.map((r) => r.pid)).size < runs.length, 'sequential requests for an eligible script share a process');
    const declaring = [];
    for (let i = 0; i < 3; i++) {
      await http(`${askr.url}/declare.php`);
      declaring.push(await eventually(() => askr.accessLog().filter((e) => e.uri === '/declare.php')[i]?.worker as number | undefined, 5000, 'the access-log line'));
    }
    assert.equal(new Set(declaring).size, 3, 'a script that declares things always gets a fresh process');
    const reusePids = new Set(runs.map((r) => r.pid));
    assert.ok(declaring.every((pid) => !reusePids.has(pid)), 'never a process that ran another script');
  });

  it('every request gets a fresh process: functions, classes, constants and globals do not carry over', async () => {
    for (let i = 0; i < 4; i++) {
      const seen = JSON.parse((await http(`${askr.url}/declare.php`)).text) as Record<string, boolean>;
      assert.deepEqual(seen, { function: false, class: false, constant: false, global: false });
    }
  });
});

describe('askr serve, static files', () => {
  let askr: AskrProcess;
  before(async () => {
    askr = await startAskr(['--root', root, '--workers', '1']);
  });
  after(async () => {
    await askr.stop();
  });

  it('serves files with their type, ETag and Last-Modified', async () => {
    const r = await http(`${askr.url}/static.txt`);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello static\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.ok(r.headers.etag);
    assert.ok(r.headers['last-modified']);
    assert.equal((await http(`${askr.url}/data.json`)).headers['content-type'], 'application/json');
  });

  it('answers 304 to a matching If-None-Match and If-Modified-Since', async () => {
    const first = await http(`${askr.url}/static.txt`);
    const again = await http(`${askr.url}/static.txt`, { headers: { 'If-None-Match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const since = await http(`${askr.url}/static.txt`, { headers: { 'If-Modified-Since': String(first.headers['last-modified']) } });
    assert.equal(since.status, 304);
  });

  it('answers a single Range with 206, an unsatisfiable one with 416', async () => {
    const full = readFileSync(join(root, 'big.bin'));
    const r = await http(`${askr.url}/big.bin`, { headers: { Range: 'bytes=10-29' } });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], `bytes 10-29/${full.length}`);
    assert.deepEqual(r.body, full.subarray(10, 30));
    const tail = await http(`${askr.url}/big.bin`, { headers: { Range: 'bytes=-5' } });
    assert.deepEqual(tail.body, full.subarray(full.length - 5));
    assert.equal((await http(`${askr.url}/big.bin`, { headers: { Range: `bytes=${full.length + 10}-` } })).status, 416);
    const whole = await http(`${askr.url}/big.bin`);
    assert.deepEqual(whole.body, full);
  });

  it('never serves PHP sources or dotfiles', async () => {
    const php = await http(`${askr.url}/headers.php`);
    assert.doesNotMatch(php.text, /<\?php/);
    assert.notEqual((await http(`${askr.url}/.env`)).text, 'DB_PASSWORD=x');
    assert.notEqual((await http(`${askr.url}/.hidden/secret.txt`)).text, 'secret');
    assert.doesNotMatch((await http(`${askr.url}/%2e%2e/%2e%2e/package.json`)).text, /"workspaces"/);
  });
});

describe('askr serve, classic process reuse when a script changes', () => {
  it('a reused process declines a script that is no longer eligible; a fresh one runs it', async (t) => {
    const { mkdtempSync, writeFileSync, utimesSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'askr-reuse-'));
    t.after(() => { rmSync(dir, { recursive: true, force: true }); });
    writeFileSync(join(dir, 'page.php'), '<?php echo "v1 ", getmypid();');
    const askr = await startAskr(['--root', dir, '--workers-min', '1', '--workers-max', '3']);
    t.after(() => askr.stop());
    const first = (await http(`${askr.url}/page.php`)).text;
    const second = (await http(`${askr.url}/page.php`)).text;
    assert.equal(first, second, 'the eligible script was served twice by one process');
    writeFileSync(join(dir, 'page.php'), '<?php if (true) { function page_helper() { return "v2"; } } echo page_helper(), " ", getmypid();');
    utimesSync(join(dir, 'page.php'), new Date(), new Date(Date.now() + 5000));
    const third = await http(`${askr.url}/page.php`);
    assert.equal(third.status, 200);
    assert.match(third.text, /^v2 \d+$/);
    assert.notEqual(third.text.split(' ')[1], first.split(' ')[1], 'the changed script ran in a fresh process');
    const fourth = await http(`${askr.url}/page.php`);
    assert.match(fourth.text, /^v2 \d+$/);
  });
});

describe('askr serve, classic processes recycled by --max-requests', () => {
  it('a reused process past its limit is replaced, then exits with status 0', async (t) => {
    const askr = await startAskr(['--root', root, '--workers', '1', '--max-requests', '3']);
    t.after(() => askr.stop());
    const pids: number[] = [];
    await eventually(async () => {
      const run = JSON.parse((await http(`${askr.url}/reuse.php?n=${pids.length}`)).text) as { pid: number };
      pids.push(run.pid);
      return new Set(pids).size >= 3 ? true : undefined;
    }, 15_000, 'two recycles');
    const replaced = [...new Set(pids)].slice(0, -1);
    for (const pid of replaced) await eventually(() => (processAlive(pid) ? undefined : true), 10_000, `process ${pid} to exit once replaced`);
    // The template reports how each child ended; anything but status 0 is logged as a warning.
    assert.deepEqual(askr.lines.filter((l) => /exited with status|killed by signal|died/.test(l)), []);
  });
});

describe('askr serve, classic mode: how a process ends', () => {
  it('after the app\'s exit() the process skips PHP\'s engine shutdown (status 0); after a fatal error it keeps PHP\'s 255', async (t) => {
    const askr = await startAskr(['--root', root, '--workers', '1'], { env: { ASKR_LOG_LEVEL: 'debug' } });
    t.after(() => askr.stop());
    const exitStatus = async (uri: string): Promise<number> => {
      const pid = await eventually(() => {
        const entry = askr.accessLog().find((e) => e.uri === uri);
        return entry ? Number(entry.worker) : undefined;
      }, 5000, `the access-log line of ${uri}`);
      const line = await askr.waitForLine(new RegExp(`worker ${pid} exited with status \\d+`), 10_000);
      return Number(/status (\d+)/.exec(line)?.[1]);
    };
    const e = await http(`${askr.url}/exit-status.php`);
    assert.equal(e.text, 'before exit\n');
    // PHP's engine shutdown would have ended it with exit(3)'s status.
    assert.equal(await exitStatus('/exit-status.php'), 0);
    // A fatal error of PHP's own (an uncaught exception is the runtime's to report, and ends with 0).
    const f = await http(`${askr.url}/exhaust.php`);
    assert.equal(f.status, 500);
    assert.equal(await exitStatus('/exhaust.php'), 255);
  });
});
