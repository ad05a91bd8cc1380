import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sumByLabel } from '../src/metrics/prom-text.js';

describe('sumByLabel', () => {
  it('sums one metric by one label across samples', () => {
    const text = [
      '# HELP askr_cache_requests_total x',
      'askr_cache_requests_total{result="hit"} 5',
      'askr_cache_requests_total{proc="1",result="hit"} 2',
      'askr_cache_requests_total{result="miss"} 3',
      'askr_cache_requests_total_other{result="hit"} 100',
      'askr_requests_total{code="200"} 9',
    ].join('\n');
    assert.deepEqual(sumByLabel(text, 'askr_cache_requests_total', 'result'), { hit: 7, miss: 3 });
    assert.deepEqual(sumByLabel(text, 'askr_nothing', 'x'), {});
  });
});
