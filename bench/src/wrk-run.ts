// One wrk run and what it measured. wrk counts only statuses ≥ 400 as errors,
// so a small Lua script counts every response that is not 2xx and prints the
// whole summary as one JSON line (exact latency percentiles from wrk's own
// histogram, in microseconds); --latency keeps the human-readable distribution
// in the raw output, which the results file stores next to the figures.
import { writeFileSync } from 'node:fs';
import { BenchError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { commandLine } from './stack.js';

/** wrk's load shape: the same for every stack of a run. */
export interface WrkLoad {
  threads: number;
  connections: number;
  seconds: number;
}

/** What one run measured. Latencies in ms. */
export interface WrkResult {
  command: string;
  requests: number;
  durationSeconds: number;
  reqPerSec: number;
  bytes: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  errors: { connect: number; read: number; write: number; timeout: number; status4xx5xx: number; non2xx: number };
  /** A run counts only if it made requests and every response was 2xx, with no socket error. */
  valid: boolean;
  invalidReason: string | null;
  /** wrk's own output, verbatim. */
  raw: string;
}

/** The Lua script wrk runs (see the file comment). */
export const WRK_SCRIPT = `-- Written by npm run bench: counts non-2xx responses, prints the summary as JSON.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format('ASKR_WRK {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, n,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

interface WrkSummary {
  requests: number; duration_us: number; bytes: number; connect: number; read: number; write: number;
  status: number; timeout: number; non2xx: number; p50_us: number; p90_us: number; p99_us: number; max_us: number; mean_us: number;
}

/** Turns wrk's output (with the script's ASKR_WRK line) into a result; null when the line is missing. */
export function parseWrkOutput(raw: string, command: string): WrkResult | null {
  const line = /^ASKR_WRK (\{.*\})$/m.exec(raw)?.[1];
  if (line === undefined) return null;
  const s = JSON.parse(line) as WrkSummary;
  const errors = { connect: s.connect, read: s.read, write: s.write, timeout: s.timeout, status4xx5xx: s.status, non2xx: s.non2xx };
  const socketErrors = s.connect + s.read + s.write + s.timeout;
  let invalidReason: string | null = null;
  if (s.requests === 0) invalidReason = 'no requests completed';
  else if (s.non2xx > 0) invalidReason = `${s.non2xx} non-2xx responses`;
  else if (socketErrors > 0) invalidReason = `socket errors: connect ${s.connect}, read ${s.read}, write ${s.write}, timeout ${s.timeout}`;
  const durationSeconds = s.duration_us / 1e6;
  return {
    command,
    requests: s.requests,
    durationSeconds,
    reqPerSec: durationSeconds > 0 ? s.requests / durationSeconds : 0,
    bytes: s.bytes,
    p50Ms: s.p50_us / 1000,
    p90Ms: s.p90_us / 1000,
    p99Ms: s.p99_us / 1000,
    maxMs: s.max_us / 1000,
    meanMs: s.mean_us / 1000,
    errors,
    valid: invalidReason === null,
    invalidReason,
    raw,
  };
}

/** Writes the Lua script where wrk can read it. */
export function writeWrkScript(path: string): void {
  writeFileSync(path, WRK_SCRIPT);
}

/**
 * A request without an answer after this long counts as a timeout (an invalid
 * run). Far above any p99 seen here, short enough to catch a stuck request
 * well inside an 8 s run.
 */
export const WRK_TIMEOUT_SECONDS = 3;

/** The wrk argument list for one run. */
export function wrkArgs(load: WrkLoad, scriptPath: string, url: string): string[] {
  return [`-t${load.threads}`, `-c${load.connections}`, `-d${load.seconds}s`, '--timeout', `${WRK_TIMEOUT_SECONDS}s`, '--latency', '-s', scriptPath, url];
}

/** Runs wrk once (bounded: duration + 30 s) and returns what it measured. */
export async function runWrk(load: WrkLoad, scriptPath: string, url: string): Promise<WrkResult> {
  const args = wrkArgs(load, scriptPath, url);
  const command = commandLine('wrk', args);
  // A managed process, so that Ctrl-C stops a run in flight too.
  const proc = await ManagedProcess.start('wrk', args, { keepLines: 500 });
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    proc.waitClosed().then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(false); }, (load.seconds + 30) * 1000); }),
  ]);
  clearTimeout(timer);
  await proc.stop(1000);
  const out = proc.lines.join('\n');
  const result = finished ? parseWrkOutput(out, command) : null;
  if (result === null) throw new BenchError('ASKR_ERR_BENCH_WRK', `${command} ${finished ? `exited (${proc.describeExit()})` : 'did not finish'} without a summary:\n${out.slice(-2000)}`);
  return result;
}
