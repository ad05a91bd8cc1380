import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recycleThreshold } from '../src/pool/worker-pool.js';

describe('--max-requests per worker', () => {
  it('is off at 0 and exact for small limits', () => {
    assert.equal(recycleThreshold(0), 0);
    for (let i = 0; i < 100; i++) assert.equal(recycleThreshold(3), 3);
  });

  it('spreads workers over the limit plus up to a tenth, so they are not replaced together', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const t = recycleThreshold(10_000);
      assert.ok(t >= 10_000 && t < 11_000, `threshold ${t}`);
      seen.add(t);
    }
    // 2,000 draws over 1,000 values: many distinct thresholds, not one shared by every worker.
    assert.ok(seen.size > 500, `${seen.size} distinct thresholds`);
  });
});
