// The wrk run against a real server: the Lua script must count every non-2xx
// response (wrk alone counts only ≥ 400), and a run with any of them must be
// invalid. Nothing here judges speed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseWrkOutput, runWrk, writeWrkScript } from '../src/wrk-run.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-test-'));
const script = join(dir, 'status.lua');
let server: Server;
let base = '';

before(async () => {
  writeWrkScript(script);
  // /ok answers 200; /redirect answers 301 every 10th request; /gone closes the socket.
  let n = 0;
  server = createServer((req, res) => {
    if (req.url === '/redirect' && ++n % 10 === 0) res.writeHead(301, { location: '/ok' }).end();
    else if (req.url === '/gone') req.socket.destroy();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const load = { threads: 1, connections: 2, seconds: 1 };

test('a run where every response is 200 is valid, with its latency percentiles', async () => {
  const r = await runWrk(load, script, `${base}/ok`);
  assert.equal(r.valid, true, r.raw);
  assert.ok(r.requests > 0);
  assert.equal(r.errors.non2xx, 0);
  assert.ok(r.p50Ms > 0 && r.p50Ms <= r.p99Ms && r.p99Ms <= r.maxMs, `${r.p50Ms} ${r.p99Ms} ${r.maxMs}`);
  assert.match(r.raw, /Latency Distribution/, 'wrk --latency output is kept');
  assert.ok(r.command.startsWith('wrk -t1 -c2 -d1s'));
});

test('3xx responses, which wrk itself does not count, make the run invalid', async () => {
  const r = await runWrk(load, script, `${base}/redirect`);
  assert.ok(r.errors.non2xx > 0, r.raw);
  assert.equal(r.errors.status4xx5xx, 0, 'wrk counts only >= 400');
  assert.equal(r.valid, false);
  assert.match(r.invalidReason ?? '', /non-2xx/);
});

test('socket errors make the run invalid', async () => {
  const r = await runWrk(load, script, `${base}/gone`);
  assert.equal(r.valid, false, r.raw);
});

test('output without the summary line is not a result', () => {
  assert.equal(parseWrkOutput('Running 1s test @ http://x\n', 'wrk'), null);
  const r = parseWrkOutput('ASKR_WRK {"requests":0,"duration_us":1000000,"bytes":0,"connect":0,"read":0,"write":0,"status":0,"timeout":0,"non2xx":0,"p50_us":0,"p90_us":0,"p99_us":0,"max_us":0,"mean_us":0.0}', 'wrk');
  assert.ok(r);
  assert.equal(r.valid, false);
  assert.equal(r.invalidReason, 'no requests completed');
});
