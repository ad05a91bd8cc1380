import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { AskrError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { TemplateClient } from '../php/template-client.js';
import type { DispatchRequest } from '../pool/response-sink.js';
import { WorkerCallRegistry } from '../pool/worker-calls.js';
import { WorkerPool } from '../pool/worker-pool.js';
import { REDACTED, type ErrorEnvelope } from '../record/envelope.js';
import { BufferSink, type BufferedResponse } from './buffer-sink.js';

let replayCounter = 0;

/** The request a recording describes, ready to dispatch; redacted headers are left out. */
export async function requestFromEnvelope(envelope: ErrorEnvelope, bodyPath: string | null): Promise<{ request: DispatchRequest; dropped: string[] }> {
  const server: Record<string, string> = {};
  const dropped = new Set<string>();
  for (const [key, value] of Object.entries(envelope.request.server)) {
    if (value === REDACTED) {
      dropped.add(key.startsWith('HTTP_') ? key.slice(5).toLowerCase().replace(/_/g, '-').replace(/\b\w/g, (c) => c.toUpperCase()) : key);
      continue;
    }
    server[key] = value;
  }
  let body = Buffer.alloc(0);
  if (envelope.request.body.bytes > 0) {
    if (bodyPath === null) throw new AskrError('ASKR_ERR_REPLAY', `the recording ${envelope.id} has a ${envelope.request.body.bytes}-byte body but no body file`);
    try {
      body = await fs.readFile(bodyPath);
    } catch {
      throw new AskrError('ASKR_ERR_REPLAY', `the body file ${bodyPath} of recording ${envelope.id} cannot be read`);
    }
    if (body.length !== envelope.request.body.bytes) {
      throw new AskrError('ASKR_ERR_REPLAY', `the body file ${bodyPath} has ${body.length} bytes, the recording says ${envelope.request.body.bytes}`);
    }
  }
  return {
    request: {
      id: `replay-${envelope.id}`,
      method: envelope.request.method,
      uri: envelope.request.uri,
      script: envelope.request.script,
      pathInfo: envelope.request.pathInfo,
      server,
      body: { kind: 'inline', data: body },
    },
    dropped: [...dropped],
  };
}

/**
 * Runs one request on a worker of its own, forked for it from a template and
 * stopped afterwards: nothing the replay does touches the pool that serves
 * traffic.
 */
export async function replayOnFreshWorker(
  template: TemplateClient,
  mode: 'worker' | 'classic',
  runDir: string,
  request: DispatchRequest,
  timeoutMs: number,
  log: Logger,
): Promise<BufferedResponse> {
  const pool = new WorkerPool(
    {
      socketPath: join(runDir, `replay-${process.pid}-${++replayCounter}.sock`),
      tag: `replay${replayCounter}`,
      mode,
      min: 1,
      max: 1,
      queueSize: 1,
      requestTimeoutMs: timeoutMs,
      deferTimeoutMs: timeoutMs,
      dispatchAhead: false,
      maxRequests: 0,
      maxMemoryBytes: 0,
      scaleDownDelayMs: 3_600_000,
    },
    template,
    new WorkerCallRegistry((op) => {
      log.info(`replay: ${op} from the app is not applied during a replay`);
      return null;
    }),
    log,
  );
  await pool.start();
  try {
    await pool.waitForWorker(timeoutMs);
    const sink = new BufferSink();
    pool.dispatch(request, sink, performance.now() + timeoutMs);
    return await sink.done;
  } finally {
    await pool.drain(Math.min(timeoutMs, 5000));
    await pool.close();
  }
}
