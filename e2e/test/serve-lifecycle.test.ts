import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually, http } from '../src/http-client.js';
import { processAlive } from '../src/process-alive.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');
const laravel = ['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php')];
const token = 'lifecycle-token';

async function status(admin: string | null): Promise<{ workers: { alive: number; busy: number; max: number; min: number } }> {
  const r = await http(`${String(admin)}/askr/status`, { headers: { 'X-Askr-Token': token } });
  return JSON.parse(r.text) as { workers: { alive: number; busy: number; max: number; min: number } };
}

/** The worker pid the access log gives for the request to `uri`. */
async function servedBy(askr: AskrProcess, uri: string): Promise<number> {
  return eventually(() => {
    const entry = askr.accessLog().find((e) => e.uri === uri);
    return entry ? Number(entry.worker) : undefined;
  }, 5000, `the access-log line of ${uri}`);
}

/** Lengths of the runs of equal values: [7, 7, 7, 9, 9] gives [3, 2]. */
function runLengths(values: number[]): number[] {
  const runs: number[] = [];
  values.forEach((v, i) => {
    if (i > 0 && values[i - 1] === v) runs[runs.length - 1] = (runs.at(-1) ?? 0) + 1;
    else runs.push(1);
  });
  return runs;
}

/** The PHP template forked by the askr serve process `pid`. */
function templatePid(pid: number): number {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)).filter(Boolean).map(Number);
  const template = children.find((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('template.php'));
  assert.ok(template !== undefined, 'askr serve runs a PHP template');
  return template;
}

async function aliveBack(admin: string | null, want: number): Promise<void> {
  await eventually(async () => ((await status(admin)).workers.alive === want ? true : undefined), 15_000, `${want} workers alive`);
}

describe('askr serve owns the request lifecycle', () => {
  it('--request-timeout: 504, the stuck worker is killed and replaced warm', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '2', '--request-timeout', '1', '--admin-token', token]);
    t.after(() => askr.stop());
    const started = performance.now();
    const r = await http(`${askr.url}/slow?ms=8000`);
    assert.equal(r.status, 504);
    assert.ok(performance.now() - started < 7000, 'the client got its 504 long before the script would have finished');
    await aliveBack(askr.admin, 2);
    assert.equal((await http(`${askr.url}/hello`)).status, 200);
  });

  it('a worker that dies mid-request: 502 for that request, a warm replacement, nothing else affected', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '2', '--admin-token', token]);
    t.after(() => askr.stop());
    const slow = http(`${askr.url}/slow?ms=1500`);
    const killed = await http(`${askr.url}/crash`);
    assert.equal(killed.status, 502);
    const segv = await http(`${askr.url}/crash?signal=segv`);
    assert.equal(segv.status, 502);
    assert.equal((await slow).status, 200, 'the request on the other worker was not affected');
    // A fatal error is answered by PHP itself, as under PHP-FPM: 500, then the process is replaced.
    assert.equal((await http(`${askr.url}/fatal`)).status, 500);
    // Out of memory, PHP drops the output buffers before Laravel's shutdown handler renders its page.
    const exhausted = await http(`${askr.url}/exhaust`);
    assert.equal(exhausted.status, 500);
    assert.match(exhausted.text, /<title>Server Error<\/title>/, 'Laravel\'s error page, rendered for HTTP');
    // exit() mid-request delivers what was printed (FPM and dd() behave so) and the worker is replaced.
    const exited = await http(`${askr.url}/exit`);
    assert.equal(exited.status, 200);
    assert.equal(exited.text, 'partial output before exit\n');
    await aliveBack(askr.admin, 2);
    for (let i = 0; i < 4; i++) assert.equal((await http(`${askr.url}/hello`)).status, 200);
  });

  it('a bounded queue: past it, 503 with Retry-After', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--queue-size', '2']);
    t.after(() => askr.stop());
    const results = await Promise.all(Array.from({ length: 6 }, () => http(`${askr.url}/slow?ms=700`)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 503, 503, 503]);
    for (const r of results.filter((x) => x.status === 503)) assert.equal(r.headers['retry-after'], '1');
  });

  it('--max-body-size: 413 before any PHP runs, by Content-Length or by counting a chunked body', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--max-body-size', '1K']);
    t.after(() => askr.stop());
    const big = 'a='.concat('x'.repeat(4000));
    const declared = await http(`${askr.url}/form`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(declared.status, 413);
    const chunked = await http(`${askr.url}/form`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Transfer-Encoding': 'chunked' } });
    assert.equal(chunked.status, 413);
    const small = await http(`${askr.url}/form`, { method: 'POST', body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(small.status, 200);
  });

  it('--max-requests recycles a worker between requests', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--max-requests', '3']);
    t.after(() => askr.stop());
    const pids: number[] = [];
    // The worker serves on until its replacement is ready, so the switch comes at request 3 or a little after.
    await eventually(async () => {
      const n = pids.length;
      assert.equal((await http(`${askr.url}/hello?n=${n}`)).status, 200);
      pids.push(await servedBy(askr, `/hello?n=${n}`));
      return new Set(pids).size >= 3 ? true : undefined;
    }, 15_000, 'two recycles');
    const runs = runLengths(pids);
    assert.ok(runs.length >= 3, `three workers in turn: ${pids.join(' ')}`);
    for (const run of runs.slice(0, -1)) assert.ok(run >= 3, `each worker served its 3 requests before it was replaced: ${pids.join(' ')}`);
  });

  it('--max-requests is make before break: with no replacement possible, the worker serves on', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--max-requests', '2']);
    t.after(() => askr.stop());
    const template = templatePid(askr.pid);
    // A stopped template cannot fork: the replacement stays pending for as long as it is stopped.
    process.kill(template, 'SIGSTOP');
    t.after(() => { if (processAlive(template)) process.kill(template, 'SIGCONT'); });
    const pids: number[] = [];
    for (let i = 0; i < 6; i++) {
      assert.equal((await http(`${askr.url}/hello?s=${i}`, { timeoutMs: 10_000 })).status, 200, 'no request waits for the fork');
      pids.push(await servedBy(askr, `/hello?s=${i}`));
    }
    assert.equal(new Set(pids).size, 1, `the worker past its limit served all six: ${pids.join(' ')}`);
    process.kill(template, 'SIGCONT');
    const old = pids[0] ?? 0;
    const next = await eventually(async () => {
      const uri = `/hello?c=${performance.now()}`;
      assert.equal((await http(`${askr.url}${uri}`)).status, 200);
      const pid = await servedBy(askr, uri);
      return pid !== old ? pid : undefined;
    }, 15_000, 'the replacement to take over');
    assert.notEqual(next, old);
    await eventually(() => (processAlive(old) ? undefined : true), 10_000, `worker ${old} to exit once replaced`);
  });

  it('--max-memory recycles a worker that grew past it', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--max-memory', '1']);
    t.after(() => askr.stop());
    // A Laravel worker uses more than 1 MB, so every worker is replaced after its first request
    // (serving on until its replacement is ready).
    const pids: number[] = [];
    await eventually(async () => {
      const uri = `/hello?m=${pids.length}`;
      assert.equal((await http(`${askr.url}${uri}`)).status, 200);
      pids.push(await servedBy(askr, uri));
      return new Set(pids).size >= 3 ? true : undefined;
    }, 15_000, 'three workers in turn');
    assert.equal(runLengths(pids).length, new Set(pids).size, `a replaced worker never comes back: ${pids.join(' ')}`);
  });

  it('SIGTERM under load: stops accepting, finishes every in-flight request and the deferred work, exits 0', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '2', '--admin-token', token]);
    t.after(() => askr.stop());
    // 2 s each: both workers stay busy with at least 9 queued for the first two rounds (about 4 s),
    // a window the status poll cannot miss even on a loaded machine (gauges are published every 50 ms).
    const inFlight = Array.from({ length: 12 }, (_, i) => http(`${askr.url}/slow?ms=2000&i=${i}`, { timeoutMs: 60_000 }));
    const deferredId = `drain${process.pid}${Date.now()}`;
    // It may be queued behind all twelve (about 12 s).
    const deferred = http(`${askr.url}/defer?id=${deferredId}&ms=800`, { timeoutMs: 60_000 });
    // Every request has reached the server: both workers busy, the rest queued.
    await eventually(async () => {
      const s = (await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': token } })).text;
      const parsed = JSON.parse(s) as { workers: { busy: number }; queue: { depth: number } };
      return parsed.workers.busy === 2 && parsed.queue.depth >= 9 ? true : undefined;
    }, 10_000, 'the load to be in flight');
    askr.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    assert.deepEqual(results.map((r) => r.status), new Array<number>(12).fill(200), 'every accepted request completed');
    assert.equal((await deferred).status, 200);
    assert.equal(await askr.exited(60_000), 0);
    const { existsSync, rmSync } = await import('node:fs');
    const file = join(app, 'storage/app', `deferred-${deferredId}`);
    assert.ok(existsSync(file), 'the deferred work ran before the process exited');
    rmSync(file, { force: true });
  });

  it('SIGTERM in classic mode: queued requests for a script that cannot be reused still get fresh processes', async (t) => {
    // A short drain timeout: without fresh processes the queue would wait it out and be refused.
    const askr = await startAskr(['--root', join(repoRoot, 'e2e/fixtures/classic'), '--workers', '1', '--drain-timeout', '20', '--admin-token', token]);
    t.after(() => askr.stop());
    const inFlight = Array.from({ length: 5 }, (_, i) => http(`${askr.url}/slow-declares.php?ms=600&i=${i}`, { timeoutMs: 60_000 }));
    await eventually(async () => {
      const s = (await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': token } })).text;
      const parsed = JSON.parse(s) as { queue: { depth: number } };
      return parsed.queue.depth >= 3 ? true : undefined;
    }, 10_000, 'requests to be queued');
    askr.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    assert.deepEqual(results.map((r) => r.status), new Array<number>(5).fill(200), 'every accepted request completed');
    assert.equal(await askr.exited(30_000), 0);
  });

  it('a queued request whose client left is not run: closed, reset or half-closed, plain front or not', async (t) => {
    const askr = await startAskr(['--root', join(repoRoot, 'e2e/fixtures/classic'), '--workers', '1', '--admin-token', token]);
    t.after(() => askr.stop());
    const ledgerName = `gone${process.pid}`;
    const ledger = join(tmpdir(), `askr-classic-queued-${ledgerName}`);
    t.after(() => {
      rmSync(ledger, { force: true });
      rmSync(`${ledger}.release`, { force: true });
    });
    const uri = (id: string, hold = false): string => `/queued.php?ledger=${ledgerName}&id=${id}${hold ? '&hold=1' : ''}`;
    const holder = http(`${askr.url}${uri('holder', true)}`, { timeoutMs: 30_000 });
    await eventually(() => (existsSync(ledger) && readFileSync(ledger, 'utf8') === 'holder\n' ? true : undefined), 10_000, 'the first request to hold the only process');
    // Three clients that leave while queued: a reset, a FIN (half-close) on the plain front, and a
    // POST (Node's HTTP server) closed.
    const port = Number(new URL(askr.url).port);
    const raw = (text: string): Promise<Socket> => new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(text);
        resolve(socket);
      });
      socket.on('error', reject);
    });
    const reset = await raw(`GET ${uri('reset')} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const halfClosed = await raw(`GET ${uri('fin')} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const posted = await raw(`POST ${uri('post')} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok`);
    for (const s of [reset, halfClosed, posted]) s.on('error', () => undefined);
    const live = http(`${askr.url}${uri('live')}`, { timeoutMs: 30_000 });
    const depth = async (): Promise<number> => {
      const r = await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': token } });
      return (JSON.parse(r.text) as { queue: { depth: number } }).queue.depth;
    };
    await eventually(async () => ((await depth()) >= 4 ? true : undefined), 10_000, 'four requests queued');
    reset.resetAndDestroy();
    halfClosed.end();
    posted.destroy();
    // The pool drops them at its next look at the queue, before any process is free.
    await eventually(async () => ((await depth()) === 1 ? true : undefined), 10_000, 'the queue to hold only the live request');
    writeFileSync(`${ledger}.release`, '');
    const [first, last] = await Promise.all([holder, live]);
    assert.equal(first.status, 200);
    assert.equal(last.status, 200);
    assert.equal(last.text, 'ran\n');
    assert.equal(readFileSync(ledger, 'utf8'), 'holder\nlive\n', 'PHP ran only for the clients that stayed');
    const shed = askr.accessLog().filter((e) => e.status === 499).map((e) => String(e.uri)).sort();
    assert.deepEqual(shed, [uri('fin'), uri('post'), uri('reset')].sort());
  });

  it('--trusted-proxies: X-Forwarded-* only from trusted peers', async (t) => {
    const root = join(repoRoot, 'e2e/fixtures/classic');
    const trusted = await startAskr(['--root', root, '--workers', '1', '--trusted-proxies', '127.0.0.0/8']);
    t.after(() => trusted.stop());
    const untrusted = await startAskr(['--root', root, '--workers', '1', '--trusted-proxies', '10.0.0.0/8']);
    t.after(() => untrusted.stop());
    const headers = { 'X-Forwarded-For': '203.0.113.7, 127.0.0.1', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'shop.example' };
    const a = JSON.parse((await http(`${trusted.url}/server.php`, { headers })).text) as Record<string, string>;
    assert.equal(a.REMOTE_ADDR, '203.0.113.7');
    assert.equal(a.HTTPS, 'on');
    assert.equal(a.HTTP_HOST, 'shop.example');
    assert.equal(a.SERVER_PORT, '443');
    const b = JSON.parse((await http(`${untrusted.url}/server.php`, { headers })).text) as Record<string, string>;
    assert.equal(b.REMOTE_ADDR, '127.0.0.1');
    assert.equal(b.HTTPS, undefined);
    assert.notEqual(b.HTTP_HOST, 'shop.example');
  });
});
