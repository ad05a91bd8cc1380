import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startAskr } from '../src/askr-process.js';
import { eventually, http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');

interface Status {
  workers: { alive: number; busy: number; max: number; desired: number };
  queue: { depth: number };
}

/** Runs wrk (Debian's) against a URL for a bounded time. */
function wrk(url: string, connections: number, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk exited ${String(code)}: ${out}`));
    });
  });
}

describe('workers that grow under load and are harvested after it', () => {
  it('a wrk burst grows the pool from min to max; after the cool-down it shrinks back to min, one step at a time', async (t) => {
    const askr = await startAskr([
      '--root', join(app, 'public'), '--worker-script', join(app, 'worker.php'),
      '--workers-min', '2', '--workers-max', '8', '--scale-down-delay', '2', '--admin-token', 't', '--access-log', 'off',
    ]);
    t.after(() => askr.stop());
    const status = async (): Promise<Status> => JSON.parse((await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': 't' } })).text) as Status;
    await eventually(async () => ((await status()).workers.alive === 2 ? true : undefined), 10_000, 'the floor of 2 workers');

    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push((await status()).workers.alive);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // 16 connections on a page that sleeps 100 ms: demand far above the ceiling.
    const report = await wrk(`${askr.url}/slow?ms=100`, 16, 4);
    sampling = false;
    await sampler;
    assert.match(report, /Requests\/sec/);
    assert.doesNotMatch(report, /Non-2xx/, 'every response was 2xx');
    assert.equal(Math.max(...samples), 8, `the pool grew to the ceiling (saw ${samples.join(',')})`);

    // After the load, the pool shrinks back to the floor.
    await eventually(async () => ((await status()).workers.alive === 2 ? true : undefined), 30_000, 'the pool to shrink back to 2');
    // "One step at a time" is judged on the autoscaler's own decisions, not on how alive
    // counts happened to fall between two polls: every harvest is logged with the pool
    // size it saw and the size it leaves. The log arrives over a pipe, so wait for the last one.
    const harvests = (): string[] => askr.lines.flatMap((l) => {
      const m = /autoscale down busy=\d+ queued=\d+ alive=(\d+) → desired=(\d+)/.exec(l);
      return m ? [`${m[1] ?? ''}→${m[2] ?? ''}`] : [];
    });
    await eventually(() => (harvests().at(-1) === '3→2' ? true : undefined), 5000, 'the log line of the harvest down to 2 workers');
    assert.deepEqual(harvests(), ['8→7', '7→6', '6→5', '5→4', '4→3', '3→2'], 'harvest goes one worker per decision, from the ceiling to the floor');
    const lines = askr.lines.filter((l) => l.includes('autoscale'));
    assert.ok(lines.some((l) => /autoscale up busy=\d+ queued=\d+ alive=\d+ → desired=\d+/.test(l)), 'scale-up is logged');
  });

  it('PUT /askr/workers lowers the ceiling: idle workers go at once, busy ones never', async (t) => {
    const askr = await startAskr([
      '--root', join(app, 'public'), '--worker-script', join(app, 'worker.php'),
      '--workers-min', '6', '--workers-max', '6', '--admin-token', 't', '--access-log', 'off',
    ]);
    t.after(() => askr.stop());
    const busy = Array.from({ length: 3 }, () => http(`${askr.url}/slow?ms=1500`));
    await eventually(async () => {
      const s = JSON.parse((await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': 't' } })).text) as Status;
      return s.workers.busy === 3 ? true : undefined;
    }, 5000, 'three busy workers');
    const put = await http(`${String(askr.admin)}/askr/workers`, { method: 'PUT', body: JSON.stringify({ min: 1, max: 2 }), headers: { 'X-Askr-Token': 't', 'Content-Type': 'application/json' } });
    assert.equal(put.status, 200);
    for (const r of await Promise.all(busy)) assert.equal(r.status, 200, 'busy workers finished their requests');
    await eventually(async () => {
      const s = JSON.parse((await http(`${String(askr.admin)}/askr/status`, { headers: { 'X-Askr-Token': 't' } })).text) as Status;
      return s.workers.alive <= 2 ? true : undefined;
    }, 10_000, 'the pool under the new ceiling');
  });
});
