import type { AskrError } from '../errors.js';
import type { HeaderList, ResponseSink } from '../pool/response-sink.js';

/** A complete response held in memory. */
export interface BufferedResponse {
  status: number;
  headers: HeaderList;
  body: Buffer;
}

/** Collects a worker's response in memory (replays, internal requests). */
export class BufferSink implements ResponseSink {
  private status = 0;
  private headers: HeaderList = [];
  private readonly chunks: Buffer[] = [];
  readonly done: Promise<BufferedResponse>;
  private resolve!: (r: BufferedResponse) => void;
  private reject!: (e: AskrError) => void;

  constructor() {
    this.done = new Promise<BufferedResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  head(status: number, headers: HeaderList): void {
    this.status = status;
    this.headers = headers;
  }

  body(chunk: Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  end(): void {
    this.resolve({ status: this.status, headers: this.headers, body: Buffer.concat(this.chunks) });
  }

  fail(error: AskrError): void {
    this.reject(error);
  }

  onDrain(): void {
    // Never paused.
  }
}
