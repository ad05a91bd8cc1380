import { once, type EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from './errors.js';

/** Options of a bounded wait. */
export interface WaitOptions {
  /** Milliseconds before giving up. */
  timeoutMs: number;
  /** Milliseconds between checks. Default 100. */
  intervalMs?: number;
  /** Checked before each try; a string ends the wait at once with that reason (e.g. "etcd exited"). */
  abortIf?: () => string | undefined;
}

/**
 * Polls `check` until it returns a value other than undefined/false, and returns
 * that value; throws `ASKR_ERR_K8S_TIMEOUT` naming `what` (and the last error a
 * check threw) when the bound runs out.
 */
export async function waitFor<T>(what: string, opts: WaitOptions, check: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const abort = opts.abortIf?.();
    if (abort !== undefined) throw new HarnessError('ASKR_ERR_K8S_TIMEOUT', `gave up waiting for ${what}: ${abort}`);
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new HarnessError('ASKR_ERR_K8S_TIMEOUT', `${what} not reached within ${opts.timeoutMs} ms${why}`);
    }
    await sleep(Math.min(opts.intervalMs ?? 100, Math.max(0, deadline - Date.now())));
  }
}

/**
 * `events.once` with a bound: resolves with the event's arguments, or throws
 * `ASKR_ERR_K8S_TIMEOUT` naming `what` when the event has not come within
 * `timeoutMs` (an event that never comes would otherwise hang the test until
 * the runner's own limit, with no word of what it waited for). An 'error'
 * event rejects as with `once`.
 */
export async function onceWithin(emitter: EventEmitter, event: string, timeoutMs: number, what: string): Promise<unknown[]> {
  // A referenced timer, not AbortSignal.timeout(): that one is unref'd, so a wait on an
  // emitter that holds no handle would let the process exit instead of failing.
  const bound = new AbortController();
  const timer = setTimeout(() => { bound.abort(); }, timeoutMs);
  try {
    return (await once(emitter, event, { signal: bound.signal })) as unknown[];
  } catch (err) {
    if (bound.signal.aborted) throw new HarnessError('ASKR_ERR_K8S_TIMEOUT', `${what} not reached within ${timeoutMs} ms`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A TCP port the OS reports free on `host`. A process started with it may still
 * lose a race for it, so callers retry their start on "address in use".
 */
export function allocatePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new HarnessError('ASKR_ERR_K8S_PROCESS', 'the OS allocated no port'));
      });
    });
  });
}
