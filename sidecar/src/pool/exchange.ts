import { createReadStream } from 'node:fs';
import { AskrError } from '../errors.js';
import { decodeHeadAndBody, encodeFrame, encodeHeadAndBody, encodeJsonFrame, parseJson, type Frame } from '../protocol/frame-codec.js';
import { BODY_CHUNK, FrameType } from '../protocol/frame-types.js';
import type { DispatchRequest, HeaderList, ResponseSink } from './response-sink.js';
import type { WorkerCallRegistry } from './worker-calls.js';
import type { PhpWorker } from './php-worker.js';

interface ResponseHead {
  status?: unknown;
  headers?: unknown;
  streamed?: unknown;
}

function toHeaderList(value: unknown): HeaderList {
  if (!Array.isArray(value)) return [];
  const out: HeaderList = [];
  for (const pair of value) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') out.push([pair[0], pair[1]]);
  }
  return out;
}

/**
 * One request/response exchange with one worker: sends the request (head,
 * then the body inline or in chunks), turns the worker's frames into calls on
 * the sink, serves the worker's CALLs, and reports the worker's death mid-way
 * as ASKR_ERR_WORKER_DIED.
 */
export class Exchange {
  private headSeen = false;
  private ended = false;
  private failed = false;
  private drainWatched = false;
  readonly startedAt = performance.now();
  headAt = 0;

  constructor(
    readonly worker: PhpWorker,
    readonly request: DispatchRequest,
    readonly sink: ResponseSink,
    private readonly calls: WorkerCallRegistry,
    /** performance.now() past which the request times out (queue time counts). */
    readonly deadline: number,
  ) {}

  /** Ended or failed: nothing more reaches the sink. */
  get settled(): boolean {
    return this.ended || this.failed;
  }

  get responseEnded(): boolean {
    return this.ended;
  }

  get responseStarted(): boolean {
    return this.headSeen;
  }

  start(): void {
    const req = this.request;
    const head = {
      id: req.id,
      method: req.method,
      uri: req.uri,
      script: req.script,
      pathInfo: req.pathInfo,
      server: req.server,
      body: req.body.kind === 'inline' ? 'inline' : 'stream',
    };
    const worker = this.worker;
    this.sink.assigned?.(worker.pid);
    if (req.body.kind === 'inline') {
      worker.send(encodeHeadAndBody(FrameType.REQUEST, head, req.body.data));
      return;
    }
    worker.send(encodeHeadAndBody(FrameType.REQUEST, head));
    const stream = createReadStream(req.body.path, { highWaterMark: BODY_CHUNK });
    stream.on('data', (chunk) => {
      if (!worker.send(encodeFrame(FrameType.REQ_BODY, chunk))) {
        stream.pause();
        worker.onceWritable(() => stream.resume());
      }
    });
    stream.on('end', () => worker.send(encodeFrame(FrameType.REQ_BODY_END)));
    stream.on('error', (err) => {
      this.fail(new AskrError('ASKR_ERR_BAD_REQUEST', `cannot read the spooled request body: ${err.message}`));
      worker.kill('spooled body unreadable');
    });
  }

  /** Handles a frame from the worker; returns true once the response has ended. */
  onFrame(frame: Frame): boolean {
    switch (frame.type) {
      case FrameType.RESP_FULL: {
        const { head, body } = decodeHeadAndBody(frame.payload);
        const h = head as ResponseHead;
        this.onHead(h, false);
        if (body.length > 0) this.sink.body(body);
        this.finish();
        return true;
      }
      case FrameType.RESP_HEAD:
        this.onHead(parseJson(frame.payload) as ResponseHead, true);
        return false;
      case FrameType.RESP_BODY:
        if (!this.headSeen) throw new AskrError('ASKR_ERR_PROTOCOL', 'RESP_BODY before RESP_HEAD');
        if (!this.ended && !this.failed && !this.sink.body(frame.payload)) this.pauseUntilDrained();
        return false;
      case FrameType.RESP_END:
        if (!this.headSeen) throw new AskrError('ASKR_ERR_PROTOCOL', 'RESP_END before RESP_HEAD');
        this.finish();
        return true;
      case FrameType.CALL:
        this.onCall(frame.payload);
        return false;
      default:
        throw new AskrError('ASKR_ERR_PROTOCOL', `unexpected frame 0x${frame.type.toString(16)} during a request`);
    }
  }

  /** Serves a CALL that arrives after the response ended (from deferred work). */
  onCall(payload: Buffer): void {
    const call = parseJson(payload) as { id?: unknown; op?: unknown; args?: unknown };
    const id = typeof call.id === 'number' ? call.id : 0;
    const op = typeof call.op === 'string' ? call.op : '';
    const args = call.args !== null && typeof call.args === 'object' ? (call.args as Record<string, unknown>) : {};
    const reply = (body: unknown): void => {
      if (id !== 0) this.worker.send(encodeJsonFrame(FrameType.REPLY, body));
    };
    this.calls.invoke(op, args, { requestId: this.request.id, workerPid: this.worker.pid }).then(
      (value) => {
        reply({ id, ok: true, value: value ?? null });
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        if (id === 0) this.calls.onUnanswered?.(op, error, { requestId: this.request.id, workerPid: this.worker.pid });
        reply({ id, ok: false, error: error.message });
      },
    );
  }

  /** The client is slow: stop reading from the worker until the sink drains. */
  private pauseUntilDrained(): void {
    this.worker.pause();
    if (this.drainWatched) return;
    this.drainWatched = true;
    const worker = this.worker;
    this.sink.onDrain(() => {
      // The worker may serve another request by now, paused for a client of its own.
      if (!this.ended && !this.failed) worker.resume();
    });
  }

  fail(error: AskrError): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.sink.fail(error);
  }

  private onHead(h: ResponseHead, fromHeadFrame: boolean): void {
    if (this.headSeen) throw new AskrError('ASKR_ERR_PROTOCOL', 'second response head');
    this.headSeen = true;
    this.headAt = performance.now();
    const status = typeof h.status === 'number' && h.status >= 100 && h.status <= 999 ? h.status : 500;
    if (!this.failed) this.sink.head(status, toHeaderList(h.headers), fromHeadFrame && h.streamed === true);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.failed) this.sink.end();
  }
}
