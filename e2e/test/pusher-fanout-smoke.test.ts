// The fan-out benchmark's smoke mode runs end to end: both servers start, 50 subscribers get every
// message from each, both are stopped. It checks that the benchmark works, not how fast anything is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFanout, SMOKE } from '../../bench/src/fanout.js';

test('bench/src/fanout.ts --smoke measures askr and bare ws', async () => {
  const out = await runFanout(SMOKE);
  for (const r of [out.askr, out.bare]) {
    assert.equal(r.subscribers, SMOKE.subscribers);
    assert.ok(r.deliveriesPerSecond > 0 && Number.isFinite(r.deliveriesPerSecond), `${r.server} throughput`);
    assert.ok(r.p50 >= 0 && r.p99 >= r.p50, `${r.server} latency percentiles`);
  }
  assert.ok(Number.isFinite(out.throughputRatio));
});
