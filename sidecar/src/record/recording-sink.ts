import type { AskrError } from '../errors.js';
import type { HeaderList, ResponseSink } from '../pool/response-sink.js';

/** How much of a failed response's body is kept in the envelope (bytes). */
export const BODY_START_BYTES = 64 * 1024;

/** What the recorder learned about a response. */
export interface RecordedResponse {
  workerPid: number | null;
  status: number;
  headers: HeaderList;
  bodyStart: Buffer;
  bytes: number;
  error: AskrError | null;
}

/**
 * Passes a response through to the real sink while keeping its status, headers
 * and first bytes, and calls `onFinish` once the response is complete or failed.
 */
export class RecordingSink implements ResponseSink {
  private readonly recorded: RecordedResponse = { workerPid: null, status: 0, headers: [], bodyStart: Buffer.alloc(0), bytes: 0, error: null };
  private readonly starts: Buffer[] = [];
  private startBytes = 0;
  private finished = false;

  constructor(
    private readonly inner: ResponseSink,
    private readonly onFinish: (response: RecordedResponse) => void,
  ) {}

  head(status: number, headers: HeaderList, streamed: boolean): void {
    this.recorded.status = status;
    this.recorded.headers = headers;
    this.inner.head(status, headers, streamed);
  }

  body(chunk: Buffer): boolean {
    this.recorded.bytes += chunk.length;
    if (this.startBytes < BODY_START_BYTES) {
      const keep = chunk.subarray(0, BODY_START_BYTES - this.startBytes);
      this.starts.push(Buffer.from(keep));
      this.startBytes += keep.length;
    }
    return this.inner.body(chunk);
  }

  end(): void {
    this.finish(null);
    this.inner.end();
  }

  fail(error: AskrError): void {
    // The client sees the error's status when nothing was sent yet.
    if (this.recorded.status === 0) this.recorded.status = error.status;
    this.finish(error);
    this.inner.fail(error);
  }

  onDrain(resume: () => void): void {
    this.inner.onDrain(resume);
  }

  assigned(workerPid: number): void {
    this.recorded.workerPid = workerPid;
    this.inner.assigned?.(workerPid);
  }

  gone(): boolean {
    return this.inner.gone?.() ?? false;
  }

  private finish(error: AskrError | null): void {
    if (this.finished) return;
    this.finished = true;
    this.recorded.error = error;
    this.recorded.bodyStart = Buffer.concat(this.starts);
    this.onFinish(this.recorded);
  }
}
