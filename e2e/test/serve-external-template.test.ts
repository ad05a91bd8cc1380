import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
});
