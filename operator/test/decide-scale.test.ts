import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideScale } from '../src/scaling/decide-scale.js';
import type { Observation, PodSample, ScaleDecision, ScaleState } from '../src/scaling/decide-scale.js';
import type { ScalePolicy } from '../src/scaling/scale-policy.js';

// The defaults of an AskrApp: workers 2..16, replicas 1..10, 70 % target,
// 10 % tolerance, 30 s up window, 300 s down window, +4 pods per step.
const policy: ScalePolicy = {
  replicasMin: 1, replicasMax: 10, replicasFixed: undefined, workersMin: 2, workersMax: 16, memoryBound: false,
  target: 0.7, tolerance: 0.1, upWindowMs: 30_000, downWindowMs: 300_000, maxReplicaStep: 4,
};
const tickMs = 15_000;

interface Step {
  tick: number;
  load: number;
  replicas: number;
  ceiling: number;
  decision: ScaleDecision;
}

/**
 * Plays a recorded load series (requests in flight per scrape, across the app)
 * against the decision function with the pods it decides: the load spreads
 * evenly over ready pods, each pod serves up to its ceiling and queues the
 * rest, and a new pod is not ready for its first `startupTicks` scrapes.
 */
function play(load: number[], p: ScalePolicy = policy, start: ScaleState = { replicas: 1, ceiling: 2, history: [] }, startupTicks = 2): Step[] {
  let state = start;
  let podAges = Array.from({ length: state.replicas }, () => startupTicks);
  const steps: Step[] = [];
  load.forEach((l, tick) => {
    const readyIdx = podAges.map((age, i) => (age >= startupTicks ? i : -1)).filter((i) => i >= 0);
    const pods: PodSample[] = podAges.map((age, i) => {
      const name = `pod-${i}`;
      if (age < startupTicks) return { pod: name, ready: false, ok: false, alive: 0, busy: 0, queue: 0, ceiling: 0 };
      const share = Math.floor(l / readyIdx.length) + (readyIdx.indexOf(i) < l % readyIdx.length ? 1 : 0);
      const busy = Math.min(share, state.ceiling);
      return { pod: name, ready: true, ok: true, busy, alive: Math.max(p.workersMin, busy), queue: share - busy, ceiling: state.ceiling };
    });
    const out = decideScale(state, { time: tick * tickMs, pods }, p);
    state = out.state;
    podAges = podAges.map((a) => a + 1);
    while (podAges.length < state.replicas) podAges.push(0);
    podAges = podAges.slice(0, state.replicas);
    steps.push({ tick, load: l, replicas: state.replicas, ceiling: state.ceiling, decision: out.decision });
  });
  return steps;
}

const repeat = (v: number, n: number): number[] => Array.from({ length: n }, () => v);
const ramp = (from: number, to: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * i) / (n - 1)));
/** A deterministic PRNG (mulberry32) so the noisy series is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('decideScale on recorded series', () => {
  test('a 30-second spike raises the worker ceiling at once and adds no replica', () => {
    const steps = play([...repeat(3, 10), 60, 60, ...repeat(3, 40)]);
    const spike = steps[10]!;
    assert.equal(spike.decision.reason, 'RaisedWorkerCeiling');
    assert.equal(spike.ceiling, 16);
    assert.equal(Math.max(...steps.map((s) => s.replicas)), 1, 'a short spike must not add pods');
    // The ceiling stays up for the whole scale-down window, then comes down to what 3 requests need.
    const lowered = steps.findIndex((s) => s.decision.reason === 'LoweredWorkerCeiling');
    assert.ok(lowered > 0, 'the ceiling comes down eventually');
    assert.ok((lowered - 11) * tickMs >= policy.downWindowMs, `lowered after ${(lowered - 11) * 15}s, before the 300 s window passed`);
    assert.equal(steps.at(-1)!.ceiling, Math.ceil(3 / 0.7));
  });

  test('a sustained rise uses the ceilings first, then adds pods in bounded steps up to what the load needs', () => {
    const steps = play([...ramp(2, 100, 40), ...repeat(100, 30)]);
    const firstAdd = steps.findIndex((s) => s.decision.reason === 'AddedReplicas');
    assert.ok(firstAdd > 0);
    assert.equal(steps[firstAdd - 1]!.ceiling, 16, 'every pod was at workers.max before a pod was added');
    for (let i = 1; i < steps.length; i++) {
      const grew = steps[i]!.replicas - steps[i - 1]!.replicas;
      assert.ok(grew >= 0, `replicas went down at tick ${i} during a rise`);
      assert.ok(grew <= policy.maxReplicaStep, `added ${grew} pods in one step`);
      assert.ok(steps[i]!.ceiling >= steps[i - 1]!.ceiling, `the ceiling went down at tick ${i} during a rise`);
    }
    const last = steps.at(-1)!;
    assert.equal(last.replicas, Math.ceil(100 / 0.7 / 16), 'enough pods for 100 requests at 70 % busy');
    assert.equal(last.decision.limited, undefined);
  });

  test('a slow decline removes pods first and lowers ceilings only at the floor, never moving back up', () => {
    const start: ScaleState = { replicas: 9, ceiling: 16, history: [] };
    const steps = play([...repeat(100, 25), ...ramp(100, 2, 80), ...repeat(2, 30)], policy, start, 0);
    for (let i = 1; i < steps.length; i++) {
      const [a, b] = [steps[i - 1]!, steps[i]!];
      assert.ok(b.replicas <= a.replicas, `replicas rose at tick ${i} during a decline`);
      assert.ok(b.ceiling <= a.ceiling, `the ceiling rose at tick ${i} during a decline`);
      if (b.ceiling < a.ceiling) assert.equal(b.replicas, policy.replicasMin, `ceiling lowered at tick ${i} with ${b.replicas} pods`);
    }
    assert.equal(steps[24]!.replicas, 9, 'nothing removed while the load holds');
    assert.equal(steps.at(-1)!.replicas, 1);
    assert.equal(steps.at(-1)!.ceiling, Math.ceil(2 / 0.7));
  });

  test('noisy flapping input settles: no direction reversals in replicas or ceilings', () => {
    const rand = prng(42);
    const noisy = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? 40 : 10) + Math.round(rand() * 8 - 4));
    const steps = play(noisy, policy, { replicas: 3, ceiling: 8, history: [] }, 0);
    const dirs = (key: 'replicas' | 'ceiling'): number[] =>
      steps.slice(1).map((s, i) => Math.sign(s[key] - steps[i]![key])).filter((d) => d !== 0);
    for (const key of ['replicas', 'ceiling'] as const) {
      const d = dirs(key);
      assert.ok(d.every((x) => x === d[0]), `${key} changed direction: ${d.join(' ')}`);
    }
    assert.ok(steps.filter((s) => s.decision.changed).length <= 3, 'a handful of changes at most');
  });

  test('a pod that stops answering never causes growth, counts fully busy when shrinking, and is reported', () => {
    const pod = (name: string, ok: boolean, busy: number): PodSample => ({ pod: name, ready: true, ok, alive: ok ? 8 : 0, busy: ok ? busy : 0, queue: 0, ceiling: ok ? 8 : 0 });
    let state: ScaleState = { replicas: 3, ceiling: 8, history: [] };
    const decisions: ScaleDecision[] = [];
    // Recorded: three pods at 4/8 busy for 5 minutes; then pod-2 stops answering
    // and the other two go nearly idle for 10 minutes.
    for (let tick = 0; tick < 60; tick++) {
      const obs: Observation = tick < 20
        ? { time: tick * tickMs, pods: [pod('pod-0', true, 4), pod('pod-1', true, 4), pod('pod-2', true, 4)] }
        : { time: tick * tickMs, pods: [pod('pod-0', true, 1), pod('pod-1', true, 1), pod('pod-2', false, 0)] };
      const out = decideScale(state, obs, policy);
      state = out.state;
      decisions.push(out.decision);
    }
    const after = decisions.slice(20);
    assert.ok(after.every((d) => d.missing.length === 1 && d.missing[0] === 'pod-2'));
    // Counted idle, pod-2 would leave (1 + 1) / 0.7 ≈ 2.9 workers wanted: one pod with a
    // ceiling of 3. Counted fully busy it adds its 8: (1 + 1 + 8) / 0.7 ≈ 14.3 workers.
    assert.equal(state.replicas, 1);
    assert.ok(state.ceiling >= 15, `ceiling ${state.ceiling}: the capacity the silent pod may need must be kept`);
    assert.ok(after.every((d) => d.reason !== 'AddedReplicas' && d.reason !== 'RaisedWorkerCeiling'), 'a silent pod never causes growth');
    const allSilent = decideScale(state, { time: 61 * tickMs, pods: [pod('pod-0', false, 0), pod('pod-1', false, 0)] }, policy);
    assert.equal(allSilent.decision.reason, 'NoMetrics');
    assert.equal(allSilent.decision.changed, false);
  });
});

describe('decideScale bounds', () => {
  test('with spec.replicas.count only ceilings move and demand beyond them is reported', () => {
    const fixed = { ...policy, replicasFixed: 2 };
    const steps = play(repeat(80, 10), fixed, { replicas: 2, ceiling: 2, history: [] }, 0);
    assert.ok(steps.every((s) => s.replicas === 2));
    assert.equal(steps.at(-1)!.ceiling, 16);
    assert.equal(steps.at(-1)!.decision.limited?.reason, 'ReplicasFixed');
  });

  test('at replicas.max the decision says so instead of growing', () => {
    const steps = play(repeat(500, 30), { ...policy, replicasMax: 3 });
    assert.equal(Math.max(...steps.map((s) => s.replicas)), 3);
    assert.equal(steps.at(-1)!.decision.limited?.reason, 'MaxReplicas');
  });

  test('a restarted scaler waits a full window before removing anything', () => {
    const steps = play(repeat(1, 25), policy, { replicas: 5, ceiling: 16, history: [] }, 0);
    const firstRemoval = steps.findIndex((s) => s.decision.reason === 'RemovedReplicas');
    assert.equal(firstRemoval * tickMs, policy.downWindowMs);
  });

  test('a spec change that narrows the bounds applies at once', () => {
    const out = decideScale({ replicas: 8, ceiling: 16, history: [] }, {
      time: 0, pods: [{ pod: 'p', ready: true, ok: true, alive: 2, busy: 1, queue: 0, ceiling: 16 }],
    }, { ...policy, replicasMax: 4, workersMax: 8 });
    assert.equal(out.state.replicas, 4);
    assert.equal(out.state.ceiling, 8);
    assert.equal(out.decision.reason, 'BoundsChanged');
    assert.equal(out.decision.changed, true);
  });
});
