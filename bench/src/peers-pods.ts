// The pods of the peer-latency benchmark: `askr serve --pusher` sidecars of
// one app on loopback, linked with static --peers (admin ports allocated
// first), each with its own run dir and PHP template, each in a process group
// the harness stops. Pusher-protocol subscribers are raw `ws` clients.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import PusherServer from 'pusher';
import { WebSocket } from 'ws';
import { BenchError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { parseProcStat } from './process-tree.js';

export const PEERS_APP = { id: 'peers-bench', key: 'peers-bench-key', secret: 'peers-bench-secret' } as const;
export const PEERS_CHANNEL = 'bench';
const PEER_SECRET = 'peers-bench-shared-secret';
const ADMIN_TOKEN = 'peers-bench-admin';

/** One running sidecar. */
export interface BenchPod {
  readonly name: string;
  readonly port: number;
  readonly admin: string;
  /** The sidecar's process (single front process: the supervisor serves too). */
  readonly pid: number;
  readonly process: ManagedProcess;
  /** The official server SDK pointed at this pod's HTTP API. */
  readonly sdk: PusherServer;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => { r(); }));
  return port;
}

/**
 * Starts `count` pods of one app, linked with each other when `linked`, one
 * after the other, and waits until each streams to every other one.
 */
export async function startPods(cli: string, dir: string, count: number, linked: boolean): Promise<BenchPod[]> {
  const root = join(dir, 'public');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.php'), '<?php echo "ok";\n');
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const pods: BenchPod[] = [];
  for (let i = 0; i < count; i++) {
    const args = [
      cli, 'serve', '--root', root, '--listen', '127.0.0.1:0', '--admin-listen', `127.0.0.1:${ports[i] ?? 0}`, '--admin-token', ADMIN_TOKEN,
      '--run-dir', join(dir, `run${i + 1}`), '--workers', '1', '--access-log', 'off',
      '--pusher', '--pusher-app-id', PEERS_APP.id, '--pusher-key', PEERS_APP.key, '--pusher-secret', PEERS_APP.secret,
      ...(linked ? ['--peers', ports.map((p) => `127.0.0.1:${p}`).join(','), '--peer-secret', PEER_SECRET] : []),
    ];
    const p = await ManagedProcess.start(process.execPath, args);
    const line = await p.waitForLine(/^\{"event":"listening"/, 60_000);
    const info = JSON.parse(line) as { url: string; admin: string; pid: number };
    const port = Number(new URL(info.url).port);
    pods.push({
      name: `pod${i + 1}`, port, admin: info.admin, pid: info.pid, process: p,
      sdk: new PusherServer({ appId: PEERS_APP.id, key: PEERS_APP.key, secret: PEERS_APP.secret, host: '127.0.0.1', port: String(port), useTLS: false }),
    });
  }
  if (linked) for (const pod of pods) await waitLinked(pod, count - 1);
  return pods;
}

async function waitLinked(pod: BenchPod, peers: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${pod.admin}/metrics`, { headers: { 'x-askr-token': ADMIN_TOKEN }, signal: AbortSignal.timeout(5000) });
    const m = /^askr_peers_connected (\d+)$/m.exec(await res.text());
    if (Number(m?.[1]) === peers) return;
    if (Date.now() > deadline) throw new BenchError('ASKR_ERR_BENCH_START', `${pod.name} did not link to its ${peers} peers within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CPU time of one process so far, in clock ticks (user + system). */
export function cpuTicks(pid: number): number {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.cpuTicks ?? 0;
}

/** A Pusher-protocol subscriber to the bench channel; `onTick` gets each event's data. */
export function subscribe(pod: BenchPod, onTick: (data: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${pod.port}/app/${PEERS_APP.key}?protocol=7&client=js&version=8.4.0&flash=false`, { perMessageDeflate: false });
    const timer = setTimeout(() => { reject(new BenchError('ASKR_ERR_BENCH_TIMEOUT', `subscriber on ${pod.name}: not subscribed within 10 s`)); }, 10_000);
    ws.on('error', (err) => { clearTimeout(timer); reject(err); });
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { event: string; data?: unknown };
      if (m.event === 'pusher:connection_established') {
        ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { auth: '', channel: PEERS_CHANNEL } }));
      } else if (m.event === 'pusher_internal:subscription_succeeded') {
        clearTimeout(timer);
        resolve(ws);
      } else if (m.event === 'tick' && typeof m.data === 'string') {
        onTick(m.data);
      }
    });
  });
}
