import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { askrGauges } from '../src/scaling/askr-gauges.js';
import { metricValue, parsePromText } from '../src/scaling/prom-text.js';

/** A registry shaped like the sidecar's, written by the real prom-client. */
async function sidecarLikeScrape(): Promise<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauge = (name: string, v: number): void => { new Gauge({ name, help: `${name} help`, registers: [registry] }).set(v); };
  gauge('askr_queue_depth', 7);
  gauge('askr_workers_alive', 6);
  gauge('askr_workers_busy', 5);
  gauge('askr_workers_max', 8);
  gauge('askr_workers_min', 2);
  const requests = new Counter({ name: 'askr_requests_total', help: 'requests', labelNames: ['code'], registers: [registry] });
  requests.inc({ code: '200' }, 41);
  requests.inc({ code: '500' }, 1);
  const cache = new Counter({ name: 'askr_cache_requests_total', help: 'cache "quoted" help\\ with escapes', labelNames: ['result'], registers: [registry] });
  cache.inc({ result: 'hit' }, 3);
  cache.inc({ result: 'weird "value"\nnewline' }, 1);
  const h = new Histogram({ name: 'askr_request_duration_seconds', help: 'd', buckets: [0.1, 1], registers: [registry] });
  h.observe(0.05);
  h.observe(3);
  return registry.metrics();
}

test('parses what prom-client writes: gauges, labelled counters, histograms, escapes, +Inf', async () => {
  const samples = parsePromText(await sidecarLikeScrape());
  assert.equal(metricValue(samples, 'askr_queue_depth'), 7);
  assert.equal(metricValue(samples, 'askr_requests_total'), 42);
  assert.equal(metricValue(samples, 'askr_requests_total', { code: '500' }), 1);
  assert.equal(metricValue(samples, 'askr_cache_requests_total', { result: 'weird "value"\nnewline' }), 1);
  assert.equal(metricValue(samples, 'askr_request_duration_seconds_bucket', { le: '+Inf' }), 2);
  assert.equal(metricValue(samples, 'askr_request_duration_seconds_count'), 2);
  assert.ok((metricValue(samples, 'process_resident_memory_bytes') ?? 0) > 0, 'prom-client default metrics are read too');
  assert.equal(metricValue(samples, 'askr_no_such_metric'), undefined);
});

test('askrGauges reads the scaler inputs and rejects a scrape without them', async () => {
  assert.deepEqual(askrGauges(parsePromText(await sidecarLikeScrape())), { alive: 6, busy: 5, queue: 7, ceiling: 8 });
  assert.throws(() => askrGauges(parsePromText('askr_workers_alive 1\nasker_workers_busy 1\n')), { code: 'ASKR_ERR_ADMIN_API' });
});

test('malformed lines are skipped, the rest still parse', () => {
  const samples = parsePromText('garbage here\nok_metric{a="1"} 3 1700000000000\nbad{a="1" 4\nnan_metric NaN\n');
  assert.deepEqual(samples.map((s) => s.name), ['ok_metric', 'nan_metric']);
  assert.equal(samples[0]?.labels.a, '1');
  assert.ok(Number.isNaN(samples[1]?.value));
});
