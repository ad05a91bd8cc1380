// From the raw runs of a scenario to its medians and ratios. Only valid round
// runs count; warm-up runs never do. A pure function, tested on recorded runs.
import type { PeerRatio, RunRecord, StackSummary } from './results.js';
import type { StackId } from './stack.js';
import { finite, median, ratio } from './stats.js';

function medianOrNull(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : finite(median(xs));
}

/** Medians of one stack's valid rounds. */
export function summarizeStack(stack: StackId, runs: readonly RunRecord[]): StackSummary {
  const rounds = runs.filter((r) => r.stack === stack && r.phase === 'round');
  const valid = rounds.filter((r) => r.valid);
  const of = (f: (r: RunRecord) => number | null): number | null => medianOrNull(valid.map(f).filter((x): x is number => x !== null && Number.isFinite(x)));
  return {
    stack,
    rounds: rounds.length,
    validRounds: valid.length,
    reqPerSec: of((r) => r.reqPerSec),
    p50Ms: of((r) => r.p50Ms),
    p99Ms: of((r) => r.p99Ms),
    rssMb: of((r) => r.tree.rssKb / 1024),
    pssMb: of((r) => r.tree.pssKb / 1024),
    processes: of((r) => r.tree.processes),
    cpuUsPerRequest: of((r) => r.cpuUsPerRequest),
    cpuUsPerRequestByCommand: Object.fromEntries(
      [...new Set(valid.flatMap((r) => Object.keys(r.cpuUsPerRequestByCommand)))]
        .map((comm) => [comm, of((r) => r.cpuUsPerRequestByCommand[comm] ?? 0) ?? 0]),
    ),
    bytesPerResponse: of((r) => (r.requests > 0 ? r.bytes / r.requests : null)),
    errors: rounds.reduce((n, r) => n + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout + r.errors.non2xx, 0),
  };
}

/**
 * askr against each peer, round by round: each figure is the median over the
 * rounds in which both runs were valid of askr's run against the peer's run of
 * the same round. The two runs of a round are back to back (and their order
 * alternates), so a change in the machine's load between rounds, which moves
 * both, cancels out; a ratio of two medians could pair one stack's quiet round
 * with the other's busy one.
 */
export function peerRatios(runs: readonly RunRecord[], peers: readonly StackId[]): PeerRatio[] {
  const byRound = (stack: StackId): Map<number, RunRecord> =>
    new Map(runs.filter((r) => r.stack === stack && r.phase === 'round' && r.valid).map((r) => [r.round, r]));
  const askrRounds = byRound('askr');
  return peers.map((peer) => {
    const peerRounds = byRound(peer);
    const perRound: number[] = [];
    const perRoundP99: number[] = [];
    const perRoundCpu: number[] = [];
    for (const [round, a] of askrRounds) {
      const b = peerRounds.get(round);
      if (!b) continue;
      const rps = ratio(a.reqPerSec, b.reqPerSec);
      const p99 = ratio(a.p99Ms, b.p99Ms);
      const cpu = ratio(b.cpuUsPerRequest, a.cpuUsPerRequest);
      if (rps !== null) perRound.push(rps);
      if (p99 !== null) perRoundP99.push(p99);
      if (cpu !== null) perRoundCpu.push(cpu);
    }
    return { peer, reqPerSec: medianOrNull(perRound), p99: medianOrNull(perRoundP99), reqPerCpu: medianOrNull(perRoundCpu), perRound, perRoundP99 };
  });
}
