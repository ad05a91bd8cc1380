import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAskr } from '../src/askr-process.js';
import { eventually, http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');
const laravel = ['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php')];

describe('askr_defer()', () => {
  it('the client has its full response while the deferred work still runs; the worker takes no request until it ends', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--admin-token', 't']);
    t.after(() => askr.stop());
    const id = `d${process.pid}${Date.now()}`;
    const file = join(app, 'storage/app', `deferred-${id}`);
    rmSync(file, { force: true });
    const release = join(app, 'storage/app', `release-${id}`);
    t.after(() => { rmSync(release, { force: true }); });
    // The deferred work runs until the test creates the release file (or 30 s pass).
    const r = await http(`${askr.url}/defer?id=${id}&ms=30000&release=${id}`, { timeoutMs: 20_000 });
    assert.equal(r.status, 200);
    assert.equal(existsSync(file), false, 'the response came before the deferred work finished');
    // The only worker is still busy with deferred work: the next request waits for it.
    let nextDone = false;
    const nextReply = http(`${askr.url}/hello`, { timeoutMs: 20_000 }).then((reply) => {
      nextDone = true;
      return reply;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(nextDone, false, 'the next request waits while the deferred work runs');
    writeFileSync(release, '');
    const next = await nextReply;
    const nextDoneAt = Date.now();
    assert.equal(next.status, 200);
    assert.ok(existsSync(file), 'the next request was served only after the deferred work ended');
    assert.ok(statSync(file).mtimeMs <= nextDoneAt);
    rmSync(file, { force: true });
    const metrics = (await http(`${String(askr.admin)}/metrics`, { headers: { 'X-Askr-Token': 't' } })).text;
    // The deferred terminate() of Laravel's kernel counts too: at least 2 callables for the /defer request.
    const count = Number(/^askr_deferred_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    assert.ok(count >= 2, `askr_deferred_total is ${count}`);
    assert.match(metrics, /^askr_deferred_duration_seconds_count \d+/m);
  });

  it('an exception in deferred work is logged with the request id and counted; the worker carries on', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--admin-token', 't']);
    t.after(() => askr.stop());
    const id = `f${process.pid}${Date.now()}`;
    const r = await http(`${askr.url}/defer?id=${id}&ms=0&fail=1`);
    assert.equal(r.status, 200);
    const line = await askr.waitForLine(/deferred callable failed for request \S+: RuntimeException: deferred work failed on purpose/, 10_000);
    const requestId = /for request (\S+):/.exec(line)?.[1];
    const entry = await eventually(() => askr.accessLog().find((e) => String(e.uri).includes(id)), 5000, 'the access-log line');
    assert.equal(requestId, entry.id, 'the log line names the request');
    assert.equal((await http(`${askr.url}/hello`)).status, 200);
    const metrics = (await http(`${String(askr.admin)}/metrics`, { headers: { 'X-Askr-Token': 't' } })).text;
    assert.match(metrics, /^askr_deferred_errors_total 1$/m);
    rmSync(join(app, 'storage/app', `deferred-${id}`), { force: true });
  });

  it('--defer-timeout: runaway deferred work is stopped and the worker replaced', async (t) => {
    const askr = await startAskr([...laravel, '--workers', '1', '--defer-timeout', '0.5']);
    t.after(() => askr.stop());
    const id = `r${process.pid}${Date.now()}`;
    assert.equal((await http(`${askr.url}/defer?id=${id}&ms=5000`)).status, 200);
    await askr.waitForLine(/deferred work exceeded --defer-timeout/, 10_000);
    const started = performance.now();
    assert.equal((await http(`${askr.url}/hello`)).status, 200);
    assert.ok(performance.now() - started < 4000, 'the replacement served long before the runaway work would have ended');
    assert.equal(existsSync(join(app, 'storage/app', `deferred-${id}`)), false, 'the runaway work was stopped');
  });

  it('--defer-timeout bounds a classic script\'s work after its response too', async (t) => {
    const askr = await startAskr(['--root', join(repoRoot, 'e2e/fixtures/classic'), '--workers', '1', '--defer-timeout', '0.5']);
    t.after(() => askr.stop());
    const id = `t${process.pid}${Date.now()}`;
    const report = join(tmpdir(), `askr-classic-finish-${id}`);
    t.after(() => { rmSync(report, { force: true }); });
    // After fastcgi_finish_request() the script waits 10 s for a release file that never comes.
    const r = await http(`${askr.url}/finish-request.php?id=${id}`);
    assert.equal(r.text, 'page\n');
    await askr.waitForLine(/deferred work exceeded --defer-timeout/, 10_000);
    assert.equal((await http(`${askr.url}/reuse.php`)).status, 200, 'a replacement serves');
  });
});
