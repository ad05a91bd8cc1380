// Cross-pod delivery latency: three `askr serve --pusher` pods on loopback
// linked as peers (docs/many-pods.md). Events are triggered through pod 1's
// HTTP API with the official SDK at a steady rate; subscribers on pod 1 (in-pod
// delivery) and on pods 2 and 3 (cross-pod) stamp each arrival. Reports
// p50/p99 of both, the difference (what the peer hop adds per message), and the
// CPU each sidecar spent per message, next to one pod without peers under the
// same load. Bounded in time; stops every process it starts.
//
//   node --import tsx bench/src/peers-latency.ts [--smoke] [--json] [--askr-cli PATH]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { prepareAskrCli } from './askr-build.js';
import { clockTicks } from './machine.js';
import { killAllNow, stopAll } from './managed-process.js';
import { cpuTicks, PEERS_CHANNEL, startPods, subscribe, type BenchPod } from './peers-pods.js';
import { percentile } from './stats.js';

export interface PeersLatencyOptions {
  /** Subscribers per pod. */
  subscribers: number;
  /** Events measured (after the warm-up), and their rate per second. */
  messages: number;
  rate: number;
  warmup: number;
}

export const FULL: PeersLatencyOptions = { subscribers: 5, messages: 2000, rate: 200, warmup: 100 };
export const SMOKE: PeersLatencyOptions = { subscribers: 2, messages: 100, rate: 100, warmup: 20 };

/** Latency in ms; CPU in µs per event. */
export interface PeersLatencyResult {
  messages: number;
  inPod: { p50: number; p99: number; samples: number };
  crossPod: { p50: number; p99: number; samples: number };
  /** crossPod − inPod. */
  added: { p50: number; p99: number };
  /** CPU per event of each linked sidecar (pod 1 sends and forwards, pods 2–3 receive), and of a lone pod. */
  cpuPerMessage: { sender: number; receivers: number[]; alone: number };
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
const now = (): number => performance.timeOrigin + performance.now();

/** Triggers `count` events at `rate`/s through `sender`, each stamped; resolves once all arrived or the bound passed. */
async function drive(sender: BenchPod, count: number, rate: number, expected: () => number, from: number): Promise<void> {
  const interval = 1000 / rate;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await sender.sdk.trigger(PEERS_CHANNEL, 'tick', `${from + i}:${now().toFixed(3)}`);
  }
  const deadline = Date.now() + 10_000;
  while (expected() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

interface Collector {
  readonly latencies: Map<string, number[]>;
  pending: number;
  measuring: boolean;
}

async function attach(pods: BenchPod[], per: number, c: Collector): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (const pod of pods) {
    const list: number[] = [];
    c.latencies.set(pod.name, list);
    for (let i = 0; i < per; i++) {
      sockets.push(await subscribe(pod, (data) => {
        const sent = Number(data.split(':')[1]);
        c.pending--;
        if (c.measuring) list.push(now() - sent);
      }));
    }
  }
  return sockets;
}

/** Runs warm-up then measurement on `pods` (events into the first); returns latencies per pod and CPU µs/event per pod. */
async function measure(pods: BenchPod[], o: PeersLatencyOptions): Promise<{ latencies: Map<string, number[]>; cpu: number[] }> {
  const c: Collector = { latencies: new Map(), pending: 0, measuring: false };
  const sockets = await attach(pods, o.subscribers, c);
  const sender = pods[0] as BenchPod;
  const fanout = pods.length * o.subscribers;
  try {
    c.pending = o.warmup * fanout;
    await drive(sender, o.warmup, o.rate, () => c.pending, 0);
    c.measuring = true;
    c.pending = o.messages * fanout;
    const before = pods.map((p) => cpuTicks(p.pid));
    await drive(sender, o.messages, o.rate, () => c.pending, o.warmup);
    const hz = clockTicks();
    const cpu = pods.map((p, i) => ((cpuTicks(p.pid) - (before[i] ?? 0)) / hz) * 1e6 / o.messages);
    return { latencies: c.latencies, cpu };
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}

/** The whole benchmark: three linked pods, then one pod alone. */
export async function runPeersLatency(cli: string, o: PeersLatencyOptions, log: (line: string) => void): Promise<PeersLatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'askr-peers-bench-'));
  try {
    log('starting three linked pods…');
    const pods = await startPods(cli, join(dir, 'linked'), 3, true);
    const linked = await measure(pods, o);
    await stopAll(10_000);
    log('starting one pod without peers…');
    const alone = await measure(await startPods(cli, join(dir, 'alone'), 1, false), o);
    await stopAll(10_000);
    const inPod = linked.latencies.get('pod1') ?? [];
    const crossPod = [...(linked.latencies.get('pod2') ?? []), ...(linked.latencies.get('pod3') ?? [])];
    const stat = (xs: number[]): { p50: number; p99: number; samples: number } => ({ p50: round(percentile(xs, 50)), p99: round(percentile(xs, 99)), samples: xs.length });
    const a = stat(inPod);
    const b = stat(crossPod);
    return {
      messages: o.messages,
      inPod: a,
      crossPod: b,
      added: { p50: round(b.p50 - a.p50), p99: round(b.p99 - a.p99) },
      cpuPerMessage: { sender: round(linked.cpu[0] ?? 0, 1), receivers: linked.cpu.slice(1).map((x) => round(x, 1)), alone: round(alone.cpu[0] ?? 0, 1) },
    };
  } finally {
    await stopAll(5000);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const smoke = argv.includes('--smoke');
  const json = argv.includes('--json');
  const cliAt = argv.indexOf('--askr-cli');
  const log = (line: string): void => { if (!json) process.stdout.write(`${line}\n`); };
  process.on('exit', killAllNow);
  const o = smoke ? SMOKE : FULL;
  const cli = await prepareAskrCli(cliAt >= 0 ? argv[cliAt + 1] : undefined);
  const r = await runPeersLatency(cli.cli, o, log);
  if (json) {
    process.stdout.write(`${JSON.stringify({ options: o, ...r })}\n`);
    return;
  }
  log(`${r.messages} events at ${o.rate}/s, ${o.subscribers} subscribers per pod, triggered through pod 1's HTTP API`);
  log(`in-pod    p50 ${r.inPod.p50} ms   p99 ${r.inPod.p99} ms   (${r.inPod.samples} deliveries)`);
  log(`cross-pod p50 ${r.crossPod.p50} ms   p99 ${r.crossPod.p99} ms   (${r.crossPod.samples} deliveries)`);
  log(`added     p50 ${r.added.p50} ms   p99 ${r.added.p99} ms`);
  log(`CPU per event: sender ${r.cpuPerMessage.sender} µs, receivers ${r.cpuPerMessage.receivers.join(' / ')} µs, one pod without peers ${r.cpuPerMessage.alone} µs`);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`peers-latency: ${err instanceof Error ? err.message : String(err)}\n`);
    killAllNow();
    process.exit(1);
  });
}
