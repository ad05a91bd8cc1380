import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually, http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');
const token = 'admin-test-token';
const auth = { 'X-Askr-Token': token };

describe('the admin listener', () => {
  let askr: AskrProcess;
  before(async () => {
    askr = await startAskr(['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php'), '--workers-min', '1', '--workers-max', '3', '--admin-token', token]);
  });
  after(async () => {
    await askr.stop();
  });

  it('/healthz and /readyz answer without a token', async () => {
    assert.equal((await http(`${String(askr.admin)}/healthz`)).status, 200);
    const ready = await http(`${String(askr.admin)}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { ready: true, reasons: [] });
  });

  it('everything else needs the token, as a bearer token or in X-Askr-Token', async () => {
    assert.equal((await http(`${String(askr.admin)}/metrics`)).status, 401);
    assert.equal((await http(`${String(askr.admin)}/metrics`, { headers: { 'X-Askr-Token': 'wrong' } })).status, 401);
    assert.equal((await http(`${String(askr.admin)}/askr/status`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await http(`${String(askr.admin)}/askr/status`, { headers: auth })).status, 200);
  });

  it('/metrics exposes the askr_ metrics in Prometheus text', async () => {
    await http(`${askr.url}/hello`);
    const text = (await http(`${String(askr.admin)}/metrics`, { headers: auth })).text;
    for (const name of ['askr_queue_depth', 'askr_workers_alive', 'askr_workers_busy', 'askr_workers_max', 'askr_requests_total', 'askr_request_duration_seconds', 'askr_fork_duration_seconds', 'askr_deferred_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
    }
    assert.match(text, /^askr_requests_total\{code="200"\} \d+/m);
    assert.match(text, /^askr_workers_max 3$/m);
  });

  it('/askr/status reports the pool', async () => {
    const s = JSON.parse((await http(`${String(askr.admin)}/askr/status`, { headers: auth })).text) as Record<string, unknown>;
    assert.equal(s.mode, 'worker');
    assert.deepEqual(Object.keys(s.workers as object).sort(), ['alive', 'busy', 'desired', 'idle', 'max', 'min', 'starting']);
    assert.equal((s.queue as { depth: number }).depth, 0);
  });

  it('PUT /askr/workers changes the ceiling at run time and rejects bad values', async () => {
    const bad = await http(`${String(askr.admin)}/askr/workers`, { method: 'PUT', body: JSON.stringify({ max: 0 }), headers: { ...auth, 'Content-Type': 'application/json' } });
    assert.equal(bad.status, 400);
    const inverted = await http(`${String(askr.admin)}/askr/workers`, { method: 'PUT', body: JSON.stringify({ min: 5, max: 2 }), headers: { ...auth, 'Content-Type': 'application/json' } });
    assert.equal(inverted.status, 400);
    const ok = await http(`${String(askr.admin)}/askr/workers`, { method: 'PUT', body: JSON.stringify({ max: 6 }), headers: { ...auth, 'Content-Type': 'application/json' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.text), { min: 1, max: 6 });
    await eventually(async () => {
      const text = (await http(`${String(askr.admin)}/metrics`, { headers: auth })).text;
      return /^askr_workers_max 6$/m.test(text) ? true : undefined;
    }, 5000, 'the new ceiling in the metrics');
  });
});

describe('the admin listener without a token', () => {
  it('keeps everything but the health endpoints closed', async (t) => {
    const askr = await startAskr(['--root', join(repoRoot, 'examples/hello'), '--workers', '1']);
    t.after(() => askr.stop());
    assert.equal((await http(`${String(askr.admin)}/healthz`)).status, 200);
    const r = await http(`${String(askr.admin)}/metrics`);
    assert.equal(r.status, 403);
    assert.match(r.text, /--admin-token/);
  });
});
