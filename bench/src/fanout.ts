// Fan-out benchmark: throughput and delivery latency of one broadcast to N WebSocket subscribers,
// Askr (Pusher protocol over the shared broadcast ring) against a bare `ws` server sending the
// same bytes — the ceiling for this stack. Loopback only, bounded in time, stops what it starts.
//
//   node --import tsx bench/src/fanout.ts [--subscribers 1000] [--smoke]
import { fork, type ChildProcess } from 'node:child_process';
import { startAskr, startBareWs, type FanoutServer } from './fanout-servers.js';

export interface FanoutOptions {
  subscribers: number;
  /** Messages in the throughput phase (sent back to back, in bursts). */
  throughputMessages: number;
  /** Messages per second in the latency phase, and how long it lasts. */
  latencyRate: number;
  latencySeconds: number;
}

export interface FanoutResult {
  server: string;
  subscribers: number;
  /** Deliveries (messages × subscribers) per second in the throughput phase. */
  deliveriesPerSecond: number;
  /** Delivery latency at a moderate rate, ms. */
  p50: number;
  p99: number;
}

export const FULL: FanoutOptions = { subscribers: 1000, throughputMessages: 1000, latencyRate: 20, latencySeconds: 5 };
export const SMOKE: FanoutOptions = { subscribers: 50, throughputMessages: 100, latencyRate: 20, latencySeconds: 1 };

/** Hard bound on one server's measurement, ms. */
const BOUND_MS = 120_000;

/** The subscriber child process and a way to wait for its reports. */
class Subscribers {
  private readonly child: ChildProcess;
  private readonly waiters = new Set<(m: Record<string, unknown>) => boolean>();

  constructor() {
    this.child = fork(new URL('./fanout-subscribers.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: Record<string, unknown>) => {
      for (const w of this.waiters) if (w(m)) this.waiters.delete(w);
    });
  }

  /** Sends a command and resolves with the first report that matches, within the deadline. */
  ask(cmd: object, match: (m: Record<string, unknown>) => boolean, deadline: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('fan-out benchmark exceeded its time bound')); }, Math.max(0, deadline - Date.now()));
      this.waiters.add((m) => {
        if (typeof m.error === 'string') reject(new Error(m.error));
        else if (!match(m)) return false;
        clearTimeout(timer);
        resolve(m);
        return true;
      });
      if (Object.keys(cmd).length > 0) this.child.send(cmd);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else {
        this.child.once('exit', () => { resolve(); });
        this.child.kill('SIGKILL');
      }
    });
  }
}

/** Runs both phases against one server. */
export async function measure(server: FanoutServer, o: FanoutOptions): Promise<FanoutResult> {
  const deadline = Date.now() + BOUND_MS;
  const subs = new Subscribers();
  try {
    await subs.ask({ cmd: 'connect', url: server.url, subscribeFrame: server.subscribeFrame, n: o.subscribers }, (m) => m.ready === true, deadline);
    const stamp = (): string => (performance.timeOrigin + performance.now()).toFixed(3);
    let seq = 0;
    // Throughput: bursts of 50 messages, each burst waits for every delivery (no unbounded buffering).
    const start = performance.now();
    while (seq < o.throughputMessages) {
      const burst = Math.min(50, o.throughputMessages - seq);
      const last = seq + burst;
      const done = subs.ask({}, (m) => m.done === last, deadline);
      for (let i = 0; i < burst; i++) server.broadcast(`${++seq}:${stamp()}`);
      await done;
    }
    const seconds = (performance.now() - start) / 1000;
    const deliveriesPerSecond = (o.throughputMessages * o.subscribers) / seconds;
    // Latency at a moderate rate.
    await subs.ask({ cmd: 'reset' }, (m) => m.reset === true, deadline);
    const total = Math.round(o.latencyRate * o.latencySeconds);
    const lastSeq = seq + total;
    const finished = subs.ask({}, (m) => m.done === lastSeq, deadline);
    for (let i = 0; i < total; i++) {
      server.broadcast(`${++seq}:${stamp()}`);
      await new Promise((r) => setTimeout(r, 1000 / o.latencyRate));
    }
    await finished;
    const stats = await subs.ask({ cmd: 'stats' }, (m) => typeof m.p50 === 'number', deadline);
    return { server: server.name, subscribers: o.subscribers, deliveriesPerSecond, p50: Number(stats.p50), p99: Number(stats.p99) };
  } finally {
    await subs.close();
  }
}

/** Measures Askr and bare ws in one run and returns both results and Askr's ratios. */
export async function runFanout(o: FanoutOptions): Promise<{ askr: FanoutResult; bare: FanoutResult; throughputRatio: number; p99Ratio: number }> {
  const bareServer = await startBareWs();
  let bare: FanoutResult;
  try {
    bare = await measure(bareServer, o);
  } finally {
    await bareServer.close();
  }
  const askrServer = await startAskr();
  let askr: FanoutResult;
  try {
    askr = await measure(askrServer, o);
  } finally {
    await askrServer.close();
  }
  return { askr, bare, throughputRatio: askr.deliveriesPerSecond / bare.deliveriesPerSecond, p99Ratio: askr.p99 / bare.p99 };
}

function format(r: FanoutResult): string {
  return `${r.server.padEnd(8)} ${String(r.subscribers).padStart(5)} subs  ${Math.round(r.deliveriesPerSecond).toLocaleString('en').padStart(10)} deliveries/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const args = process.argv.slice(2);
  const o: FanoutOptions = { ...(args.includes('--smoke') ? SMOKE : FULL) };
  const at = args.indexOf('--subscribers');
  if (at !== -1) o.subscribers = Number(args[at + 1]);
  const out = await runFanout(o);
  console.log(format(out.bare));
  console.log(format(out.askr));
  console.log(`askr / bare ws: throughput ${out.throughputRatio.toFixed(2)}x (target >= 0.8), p99 ${out.askr.p99.toFixed(2)} ms (target <= 5 ms at ${o.latencyRate} msg/s)`);
}
