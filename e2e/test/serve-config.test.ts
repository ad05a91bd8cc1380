import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runAskr, startAskr } from '../src/askr-process.js';
import { http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';
import { allServeOptions } from '../../sidecar/src/config/serve-config.js';
import { envName } from '../../sidecar/src/config/option.js';

const hello = join(repoRoot, 'examples/hello');

describe('askr serve: flags, environment and startup errors', () => {
  it('--help documents every flag with its variable', async () => {
    const r = await runAskr(['serve', '--help']);
    assert.equal(r.code, 0);
    for (const spec of allServeOptions) {
      assert.ok(r.stdout.includes(`--${spec.flag}`), `--${spec.flag} is in --help`);
      assert.ok(r.stdout.includes(envName(spec)), `${envName(spec)} is in --help`);
    }
  });

  it('a bad value fails at start with a message naming the flag', async () => {
    const r = await runAskr(['serve', '--root', hello, '--workers-min', 'lots']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--workers-min: expected an integer, got "lots"/);
  });

  it('a bad environment variable names both the flag and the variable', async () => {
    const r = await runAskr(['serve', '--root', hello], { env: { ASKR_REQUEST_TIMEOUT: 'soon' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--request-timeout: .*"soon" \(from ASKR_REQUEST_TIMEOUT\)/);
  });

  it('unknown flags, missing roots and inverted bounds are refused', async () => {
    assert.match((await runAskr(['serve', '--wrokers', '2'])).stderr, /unknown flag --wrokers/);
    assert.match((await runAskr(['serve', '--root', '/nonexistent/askr'])).stderr, /--root: .* does not exist/);
    assert.match((await runAskr(['serve', '--root', hello, '--workers-min', '5', '--workers-max', '2'])).stderr, /--workers-min: 5 is above --workers-max 2/);
    assert.match((await runAskr(['serve', '--root', hello, '--worker-script', '/nonexistent/w.php'])).stderr, /--worker-script: .* does not exist/);
  });

  it('a worker script that throws at boot stops askr serve with the PHP error', async () => {
    const r = await runAskr(['serve', '--root', hello, '--worker-script', join(repoRoot, 'e2e/fixtures/broken-worker.php'), '--listen', '127.0.0.1:0', '--admin-listen', 'off'], { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /broken on purpose/);
    assert.match(r.stderr, /the PHP template exited during boot/);
  });

  it('flags come from ASKR_* variables too', async (t) => {
    const askr = await startAskr([], { env: { ASKR_ROOT: hello, ASKR_WORKERS: '1', ASKR_ADMIN_TOKEN: 'env-token' } });
    t.after(() => askr.stop());
    assert.equal((await http(`${askr.url}/`)).text, 'Hello, World!\n');
    assert.equal((await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': 'env-token' } })).status, 200);
  });

  it('--version prints the version', async () => {
    const r = await runAskr(['--version']);
    assert.match(r.stdout, /^askr \d+\.\d+\.\d+/);
  });
});

describe('askr serve --http-procs', () => {
  it('several front processes share the listener, the pool gauges and the ceiling', async (t) => {
    const laravel = join(repoRoot, 'examples/laravel');
    const askr = await startAskr(['--root', join(laravel, 'public'), '--worker-script', join(laravel, 'worker.php'), '--http-procs', '2', '--workers-min', '2', '--workers-max', '4', '--admin-token', 't']);
    t.after(() => askr.stop());
    const results = await Promise.all(Array.from({ length: 20 }, () => http(`${askr.url}/hello`)));
    assert.ok(results.every((r) => r.status === 200 && r.text === 'Hello, World!'));
    const status = JSON.parse((await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': 't' } })).text) as { httpProcs: number; workers: { alive: number; max: number } };
    assert.equal(status.httpProcs, 2);
    assert.equal(status.workers.max, 4);
    assert.ok(status.workers.alive >= 2);
    const metrics = (await http(`${String(askr.admin)}/metrics`, { headers: { 'X-Askr-Token': 't' } })).text;
    const served = [...metrics.matchAll(/^askr_requests_total\{code="200"\} (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(served, [20], 'the counters of both processes are summed');
  });
});
