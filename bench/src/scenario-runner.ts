// One HTTP scenario from start to stop: start its stacks, pre-check each one
// (status, body, cache hit), warm every stack up, then measure in rounds with
// the stacks alternating (round 1: A B C, round 2: B C A, …) so that drift in a
// shared machine's load hurts every stack alike, and stop everything.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { errorSummary, BenchError } from './errors.js';
import { httpGet, sha256 } from './http-probe.js';
import { sampleTree, treePids } from './process-tree.js';
import { recordPerf } from './profiler.js';
import type { RunRecord, ScenarioResult, StackCheck, StackEntry } from './results.js';
import { peerRatios, summarizeStack } from './scenario-summary.js';
import type { ScenarioContext, ScenarioDef, StartedStacks } from './scenarios.js';
import { STACK_LABELS, type Stack, type StackId } from './stack.js';
import { runWrk, type WrkLoad } from './wrk-run.js';

export interface RunPlan {
  load: WrkLoad;
  warmupSeconds: number;
  rounds: number;
  /** Path of the wrk Lua script. */
  wrkScript: string;
  /** Clock ticks per second (getconf CLK_TCK), for CPU time. */
  clockTicks: number;
  log: (line: string) => void;
  /** --profile: after the rounds, one more run per stack under perf record, written here. */
  profileDir: string | undefined;
}

/** Two GETs; the second must be 200 with the marker (and a cache hit when the scenario asks for one). */
async function precheck(def: ScenarioDef, stack: Stack, path: string): Promise<StackCheck> {
  await httpGet(stack.url + path);
  const res = await httpGet(stack.url + path);
  const text = res.body.toString('utf8');
  const cacheHeader = res.headers['x-askr-cache'] ?? res.headers['x-varnish'] ?? null;
  const check: StackCheck = { status: res.status, bytes: res.body.length, sha256: sha256(res.body), cacheHeader };
  if (res.status !== 200) throw new BenchError('ASKR_ERR_BENCH_CHECK', `GET ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  if (!text.includes(def.marker)) throw new BenchError('ASKR_ERR_BENCH_CHECK', `GET ${path}: the body lacks ${JSON.stringify(def.marker)}: ${text.slice(0, 300)}`);
  if (def.hit && stack.id === 'askr' && cacheHeader !== 'HIT') throw new BenchError('ASKR_ERR_BENCH_CHECK', `GET ${path}: X-Askr-Cache is ${String(cacheHeader)}, not HIT`);
  // Varnish names two transactions on a hit (this one and the one that stored it).
  if (def.hit && stack.id === 'varnish' && !/^\d+ \d+$/.test(cacheHeader ?? '')) throw new BenchError('ASKR_ERR_BENCH_CHECK', `GET ${path}: X-Varnish is ${String(cacheHeader)}, not a hit`);
  return check;
}

async function measure(plan: RunPlan, def: ScenarioDef, stack: Stack, path: string, phase: RunRecord['phase'], round: number): Promise<RunRecord> {
  const load = phase === 'warmup' ? { ...plan.load, seconds: plan.warmupSeconds } : plan.load;
  const startedAt = new Date().toISOString();
  const loadAvg = loadavg().map((x) => Math.round(x * 100) / 100);
  const before = sampleTree(stack.roots);
  const perf = phase === 'profile' && plan.profileDir !== undefined
    ? await recordPerf(treePids(stack.roots), load.seconds, join(plan.profileDir, def.id), stack.id)
    : null;
  const result = await runWrk(load, plan.wrkScript, stack.url + path);
  const tree = sampleTree(stack.roots);
  await perf?.done;
  const cpuTicks = tree.cpuTicks - before.cpuTicks;
  const perRequest = (ticks: number): number | null => (result.requests > 0 && ticks >= 0 ? (ticks / plan.clockTicks) * 1e6 / result.requests : null);
  const cpuUsPerRequest = perRequest(cpuTicks);
  const cpuUsPerRequestByCommand: Record<string, number> = {};
  for (const [comm, ticks] of Object.entries(tree.cpuTicksByCommand)) {
    const us = perRequest(ticks - (before.cpuTicksByCommand[comm] ?? 0));
    if (us !== null) cpuUsPerRequestByCommand[comm] = us;
  }
  // wrk cannot tell a request still in flight at the end from one that never
  // gets an answer: a stack that stopped answering must still answer now.
  if (result.valid) {
    const health = await httpGet(stack.url + path, 5000).then((r) => (r.status === 200 ? null : `status ${r.status}`), (err: unknown) => String(err));
    if (health !== null) Object.assign(result, { valid: false, invalidReason: `after the run, GET ${path} failed: ${health}` });
  }
  const stackLog = result.valid ? null : stack.logs();
  const rec: RunRecord = { ...result, scenario: def.id, stack: stack.id, phase, round, startedAt, loadAvg, tree, cpuUsPerRequest, cpuUsPerRequestByCommand, stackLog };
  const state = rec.valid ? '' : `  INVALID: ${rec.invalidReason ?? ''}`;
  plan.log(`  ${phase === 'round' ? `round ${round}` : phase.padEnd(8)} ${stack.id.padEnd(12)} ${Math.round(rec.reqPerSec).toString().padStart(7)} req/s  p50 ${rec.p50Ms.toFixed(2)} ms  p99 ${rec.p99Ms.toFixed(2)} ms  rss ${(tree.rssKb / 1024).toFixed(0)} MiB${state}`);
  return rec;
}

async function stopAllOf(started: StartedStacks): Promise<void> {
  await Promise.all([...started.stacks.values(), ...started.helpers].map((s) => s.stop().catch(() => undefined)));
}

/** Runs one scenario and returns everything it measured; never throws for a stack's failure, only records it. */
export async function runScenario(def: ScenarioDef, ctx: ScenarioContext, plan: RunPlan): Promise<ScenarioResult> {
  const t0 = performance.now();
  plan.log(`${def.id}: ${def.title}`);
  const entries = new Map<StackId, StackEntry>(def.measured.map((id) => [id, {
    id, label: STACK_LABELS[id], path: def.path[id] ?? '/', available: false, error: null, commands: [], configs: {}, check: null,
  }]));
  const runs: RunRecord[] = [];
  const helpers: ScenarioResult['helpers'] = [];
  let started: StartedStacks | null = null;
  let error: ScenarioResult['error'] = null;
  try {
    started = await def.start(ctx);
    for (const [id, e] of entries) {
      const stack = started.stacks.get(id);
      e.error = started.failed.get(id) ?? null;
      if (!stack) continue;
      e.commands = [...stack.commands];
      e.configs = { ...stack.configs };
      try {
        e.check = await precheck(def, stack, e.path);
        e.available = true;
      } catch (err) {
        e.error = errorSummary(err);
      }
    }
    for (const h of started.helpers) helpers.push({ label: STACK_LABELS[h.id], commands: [...h.commands], configs: { ...h.configs } });
    const live = def.measured.filter((id) => entries.get(id)?.available === true).map((id) => started?.stacks.get(id) as Stack);
    for (const e of entries.values()) if (e.error) plan.log(`  ${e.id}: not measured (${e.error.code}: ${e.error.message.split('\n')[0] ?? ''})`);
    for (const s of live) runs.push(await measure(plan, def, s, entries.get(s.id)?.path ?? '/', 'warmup', 0));
    for (let round = 1; round <= plan.rounds; round++) {
      const order = live.map((_, i) => live[(i + round - 1) % live.length] as Stack);
      for (const s of order) runs.push(await measure(plan, def, s, entries.get(s.id)?.path ?? '/', 'round', round));
    }
    if (plan.profileDir !== undefined) {
      for (const s of live) runs.push(await measure(plan, def, s, entries.get(s.id)?.path ?? '/', 'profile', 0));
    }
  } catch (err) {
    error = errorSummary(err);
    plan.log(`  ${def.id} failed: ${error.code}: ${error.message}`);
  } finally {
    if (started) await stopAllOf(started);
  }
  const stacks = [...entries.values()];
  const hashes = new Set(stacks.filter((s) => s.available && s.check).map((s) => s.check?.sha256));
  const answered = stacks.filter((s) => s.available).length;
  const summary = def.measured.map((id) => summarizeStack(id, runs));
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    stacks,
    helpers,
    sameBody: answered < 2 ? null : hashes.size === 1,
    runs,
    summary,
    ratios: peerRatios(runs, def.measured.filter((id) => id !== 'askr')),
    error,
    seconds: (performance.now() - t0) / 1000,
  };
}
