// Single HTTP requests the harness makes around the load runs: waiting for a
// server to answer, and the pre-check of every stack (status, body, cache state)
// before any figure of it is believed.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { BenchError } from './errors.js';

/** One response, whole. */
export interface ProbeResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** GET `url` (loopback, no keep-alive), bounded by `timeoutMs`. */
export function httpGet(url: string, timeoutMs = 10_000): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new BenchError('ASKR_ERR_BENCH_TIMEOUT', `GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `url` until it answers 200, the deadline passes, or `gone()` says the
 * server exited. Connection refusals and 502s are expected while a server (or
 * the FPM behind nginx) is still starting.
 */
export async function waitForHttp(url: string, timeoutMs: number, gone: () => string | null): Promise<ProbeResponse> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const exit = gone();
    if (exit !== null) throw new BenchError('ASKR_ERR_BENCH_START', `${url}: the server exited during start-up (${exit})`);
    try {
      const res = await httpGet(url, Math.max(100, deadline - Date.now()));
      if (res.status === 200) return res;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new BenchError('ASKR_ERR_BENCH_START', `${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot listen on port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => { resolve(port); });
    });
  });
}

export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
