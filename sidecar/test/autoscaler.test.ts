import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, initialMemory, scaleUpNeeded, type AutoscaleLimits, type PoolGauges } from '../src/pool/autoscaler.js';

const limits: AutoscaleLimits = { min: 2, max: 12, scaleDownDelayMs: 10_000, harvestStepMs: 1000 };

/**
 * Plays a recorded series of gauge readings (one every 100 ms) through the
 * decision, applying each decision to the pool the way WorkerPool does
 * (forks connect by the next reading; harvested workers leave at once).
 */
function simulate(series: { busy: number; queued: number }[], l = limits, start = 2): { alive: number[]; decisions: string[] } {
  let memory = initialMemory();
  let alive = start;
  const trace: number[] = [];
  const decisions: string[] = [];
  series.forEach((reading, i) => {
    const g: PoolGauges = { alive, starting: 0, busy: Math.min(reading.busy, alive), queued: reading.queued + Math.max(0, reading.busy - alive) };
    const d = decide(g, l, memory, i * 100);
    memory = d.memory;
    alive = alive + d.spawn - d.harvest;
    trace.push(alive);
    decisions.push(d.reason);
  });
  return { alive: trace, decisions };
}

const repeat = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

describe('the in-pod autoscaler decision', () => {
  it('a burst takes the pool from min to max in one step, not one worker a second', () => {
    const { alive } = simulate([{ busy: 2, queued: 40 }, ...repeat(5, { busy: 12, queued: 30 })]);
    assert.equal(alive[0], 12, 'all needed workers are forked on the first reading');
  });

  it('scale-up is proportional to the backlog and bounded by the ceiling', () => {
    assert.equal(scaleUpNeeded({ alive: 2, starting: 0, busy: 2, queued: 3 }, limits), 3);
    assert.equal(scaleUpNeeded({ alive: 2, starting: 3, busy: 2, queued: 3 }, limits), 0, 'forks on their way count');
    assert.equal(scaleUpNeeded({ alive: 10, starting: 0, busy: 10, queued: 50 }, limits), 2);
    assert.equal(scaleUpNeeded({ alive: 0, starting: 0, busy: 0, queued: 0 }, limits), 2, 'never below the floor');
  });

  it('harvests only after demand stayed low for the whole cool-down, one worker per step, never below min', () => {
    const series = [...repeat(10, { busy: 12, queued: 0 }), ...repeat(400, { busy: 1, queued: 0 })];
    const { alive } = simulate(series);
    assert.equal(alive[9], 12);
    // Nothing is harvested within 10 s of the last busy reading (index 9 → index 109).
    assert.ok(alive.slice(10, 109).every((a) => a === 12), 'no harvest inside the window');
    const drops = alive.map((a, i) => (i > 0 ? (alive[i - 1] ?? a) - a : 0)).filter((d) => d > 0);
    assert.ok(drops.every((d) => d === 1), 'one worker at a time');
    assert.equal(alive.at(-1), 2, 'ends at the floor');
    assert.ok(Math.min(...alive) >= 2);
  });

  it('does not flap on noisy demand: short dips do not harvest', () => {
    const noisy = Array.from({ length: 300 }, (_, i) => ({ busy: i % 50 < 45 ? 8 : 1, queued: 0 }));
    const { alive } = simulate(noisy, limits, 8);
    assert.ok(alive.every((a) => a === 8), `pool size stayed 8, saw ${String(new Set(alive).size)} sizes`);
  });

  it('sheds idle workers at once when the ceiling comes down, never busy ones', () => {
    const d = decide({ alive: 10, starting: 0, busy: 4, queued: 0 }, { ...limits, max: 5 }, initialMemory(), 0);
    assert.equal(d.reason, 'ceiling');
    assert.equal(d.harvest, 5);
    const busyOnly = decide({ alive: 10, starting: 0, busy: 10, queued: 0 }, { ...limits, max: 5 }, initialMemory(), 0);
    assert.equal(busyOnly.harvest, 0, 'busy workers are stopped later, when they finish');
  });

  it('a harvest waits for forks in flight to land', () => {
    let memory = initialMemory();
    for (let t = 0; t <= 20_000; t += 100) memory = decide({ alive: 6, starting: 0, busy: 0, queued: 0 }, limits, memory, t).memory;
    const d = decide({ alive: 6, starting: 1, busy: 0, queued: 0 }, limits, memory, 20_100);
    assert.equal(d.harvest, 0);
  });
});
