import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { FastHistogram, LabelTally } from '../src/metrics/tally.js';

const bounds = [0.001, 0.01, 0.1];
const samples = [0.0005, 0.001, 0.002, 0.05, 0.5, 3];

describe('metrics counted outside prom-client', () => {
  it('FastHistogram renders exactly what a prom-client Histogram renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new FastHistogram(ours, 'askr_t_seconds', 'Test.', bounds);
    const reference = new Histogram({ name: 'askr_t_seconds', help: 'Test.', buckets: bounds, registers: [theirs] });
    for (const s of samples) {
      fast.observe(s);
      reference.observe(s);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    // As JSON, the form in which front processes send their metrics to be aggregated.
    const wire = async (r: Registry): Promise<unknown> => JSON.parse(JSON.stringify(await r.getMetricsAsJSON()));
    assert.deepEqual(await wire(ours), await wire(theirs));
  });

  it('FastHistogram sums across front processes like a prom-client Histogram', async () => {
    const a = new Registry();
    const b = new Registry();
    new FastHistogram(a, 'askr_t_seconds', 'Test.', bounds).observe(0.005);
    const hb = new FastHistogram(b, 'askr_t_seconds', 'Test.', bounds);
    hb.observe(0.005);
    hb.observe(0.5);
    const merged = await AggregatorRegistry.aggregate([await a.getMetricsAsJSON(), await b.getMetricsAsJSON()]).metrics();
    assert.match(merged, /^askr_t_seconds_bucket\{le="0.01"\} 2$/m);
    assert.match(merged, /^askr_t_seconds_bucket\{le="\+Inf"\} 3$/m);
    assert.match(merged, /^askr_t_seconds_count 3$/m);
  });

  it('LabelTally shows its initial labels at 0 and keeps counting across scrapes', async () => {
    const registry = new Registry();
    const tally = new LabelTally<number | string>(registry, { name: 'askr_t_total', help: 'Test.', label: 'code', initial: ['bypass'] });
    tally.inc(200);
    tally.inc(200);
    tally.inc(503);
    let text = await registry.metrics();
    assert.match(text, /^askr_t_total\{code="bypass"\} 0$/m);
    assert.match(text, /^askr_t_total\{code="200"\} 2$/m);
    assert.match(text, /^askr_t_total\{code="503"\} 1$/m);
    tally.inc(200);
    text = await registry.metrics();
    assert.match(text, /^askr_t_total\{code="200"\} 3$/m);
    assert.match(text, /^askr_t_total\{code="503"\} 1$/m);
  });
});
