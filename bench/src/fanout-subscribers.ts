// The subscriber side of the fan-out benchmark, run as a child process so that clients and server
// do not share an event loop. Driven over IPC:
//   {cmd:'connect', url, subscribeFrame?, n} → {ready:true}
//   every payload is "<seq>:<sent-at ms>"; when all n subscribers have seq → {done: seq}
//   {cmd:'stats'} → {p50, p99, count}   (latency in ms, from the sent-at stamp)
//   {cmd:'close'} → exits
import { WebSocket } from 'ws';

interface ConnectCmd { cmd: 'connect'; url: string; subscribeFrame?: string; n: number }
type Cmd = ConnectCmd | { cmd: 'stats' } | { cmd: 'reset' } | { cmd: 'close' };
// {cmd:'reset'} → {reset:true} clears the latencies gathered so far.

const sockets: WebSocket[] = [];
const counts = new Map<number, number>();
let latencies: number[] = [];
let n = 0;
const send = (m: unknown): void => { process.send?.(m); };

function onTick(text: string): void {
  const m = /"data":"(\d+):(\d+\.\d+)"/.exec(text);
  if (!m) return;
  const seq = Number(m[1]);
  latencies.push(performance.timeOrigin + performance.now() - Number(m[2]));
  const c = (counts.get(seq) ?? 0) + 1;
  if (c === n) {
    counts.delete(seq);
    send({ done: seq });
  } else counts.set(seq, c);
}

async function connect(cmd: ConnectCmd): Promise<void> {
  n = cmd.n;
  for (let i = 0; i < cmd.n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, cmd.n - i) }, () => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(cmd.url, { perMessageDeflate: false });
      sockets.push(ws);
      ws.once('error', reject);
      if (cmd.subscribeFrame === undefined) ws.once('open', () => { resolve(); });
      ws.on('message', (raw: Buffer) => {
        const text = raw.toString();
        if (text.includes('"tick"')) onTick(text);
        else if (text.includes('connection_established') && cmd.subscribeFrame !== undefined) ws.send(cmd.subscribeFrame);
        else if (text.includes('subscription_succeeded')) resolve();
      });
    })));
  }
  send({ ready: true });
}

process.on('message', (cmd: Cmd) => {
  if (cmd.cmd === 'connect') void connect(cmd).catch((err: unknown) => { send({ error: String(err) }); });
  else if (cmd.cmd === 'reset') {
    latencies = [];
    send({ reset: true });
  }
  else if (cmd.cmd === 'stats') {
    const sorted = latencies.sort((a, b) => a - b);
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
    send({ p50: at(50), p99: at(99), count: sorted.length });
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
// Never outlive the parent.
process.on('disconnect', () => process.exit(0));
