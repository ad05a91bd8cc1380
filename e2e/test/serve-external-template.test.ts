import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAskr } from '../src/askr-process.js';
import { eventually, http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');

/** The app container of a pod: the template alone, configured by its environment. */
function startTemplate(runDir: string): ChildProcess {
  const child = spawn('php', [join(repoRoot, 'php-image/runtime/template.php')], {
    env: { ...process.env, ASKR_RUN_DIR: runDir, ASKR_ROOT: join(app, 'public'), ASKR_WORKER_SCRIPT: join(app, 'worker.php') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.resume();
  return child;
}

describe('askr serve in front of a template it did not start (two containers of a pod)', () => {
  it('learns the mode from the template, and a sidecar restart keeps the warm workers and the cache', async (t) => {
    const runDir = mkdtempSync(join(tmpdir(), 'askr-pod-'));
    t.after(() => { rmSync(runDir, { recursive: true, force: true }); });
    const template = startTemplate(runDir);
    t.after(() => {
      template.kill('SIGKILL');
    });
    const args = ['--template-socket', join(runDir, 'template.sock'), '--run-dir', runDir, '--root', join(app, 'public'), '--workers', '2', '--response-cache', '16', '--admin-token', 't'];
    const first = await startAskr(args);
    t.after(() => first.stop());
    assert.equal((await http(`${first.url}/hello`)).text, 'Hello, World!');
    const status = JSON.parse((await http(`${String(first.admin)}/askr/status`, { headers: { 'X-Askr-Token': 't' } })).text) as { mode: string };
    assert.equal(status.mode, 'worker', 'the sidecar has no --worker-script: the template told it');
    // One Host for both sidecars: the cache key includes it, and each test listener has its own port.
    const host = { Host: 'shop.example' };
    assert.equal((await http(`${first.url}/posts/cached`, { headers: host })).headers['x-askr-cache'], 'MISS');
    assert.equal((await http(`${first.url}/posts/cached`, { headers: host })).headers['x-askr-cache'], 'HIT');
    // Every worker the template forked so far (its children), not only those that served.
    const pidsBefore = new Set(
      readFileSync(`/proc/${String(template.pid)}/task/${String(template.pid)}/children`, 'utf8').trim().split(/\s+/).map(Number),
    );
    assert.equal(pidsBefore.size, 2);

    // The sidecar container crashes and restarts; the app container does not.
    first.child.kill('SIGKILL');
    await first.exited(10_000);
    const second = await startAskr(args);
    t.after(() => second.stop());
    assert.equal((await http(`${second.url}/posts/cached`, { headers: host })).headers['x-askr-cache'], 'HIT', 'the cache survived in shared memory');
    for (let i = 0; i < 4; i++) assert.equal((await http(`${second.url}/hello?after=${i}`)).status, 200);
    const pidsAfter = await eventually(() => {
      const pids = second.accessLog().filter((e) => String(e.uri).startsWith('/hello?after=')).map((e) => Number(e.worker));
      return pids.length === 4 ? pids : undefined;
    }, 5000, 'access-log lines after the restart');
    assert.ok(pidsAfter.every((p) => pidsBefore.has(p)), `the workers forked before the restart reconnected and served (${pidsAfter.join(',')} vs ${[...pidsBefore].join(',')})`);
  });

  it('stopping a pod: the template\'s preStop waits for the sidecar\'s drain, not for its whole budget', async (t) => {
    const runDir = mkdtempSync(join(tmpdir(), 'askr-pod-'));
    t.after(() => { rmSync(runDir, { recursive: true, force: true }); });
    const template = startTemplate(runDir);
    t.after(() => { template.kill('SIGKILL'); });
    const askr = await startAskr(['--template-socket', join(runDir, 'template.sock'), '--run-dir', runDir, '--root', join(app, 'public'), '--workers', '1']);
    t.after(() => askr.stop());
    assert.equal(existsSync(join(runDir, 'sidecar.drained')), false);
    // The app container's preStop starts with the pod's deletion, with a 60 s budget.
    const preStop = spawn('php', [join(repoRoot, 'php-image/runtime/await-drain.php'), runDir, '60'], { stdio: 'ignore' });
    t.after(() => { preStop.kill('SIGKILL'); });
    let preStopDone = false;
    const preStopExit = new Promise<number | null>((resolve) => preStop.once('exit', (code) => { preStopDone = true; resolve(code); }));
    const inFlight = http(`${askr.url}/slow?ms=1500`, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    askr.child.kill('SIGTERM');
    const answer = await inFlight;
    assert.equal(answer.status, 200, 'the request in flight finished during the drain');
    assert.equal(preStopDone, false, 'the template is kept up while the request is served');
    assert.equal(await askr.exited(15_000), 0);
    assert.ok(existsSync(join(runDir, 'sidecar.drained')), 'the sidecar says it has drained');
    await eventually(() => (preStopDone ? true : undefined), 5000, 'the preStop hook to end once the sidecar has drained');
    assert.equal(await preStopExit, 0);
  });
});
