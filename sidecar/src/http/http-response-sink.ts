import { STATUS_CODES } from 'node:http';
import type { AskrError } from '../errors.js';
import type { HeaderList, ResponseSink } from '../pool/response-sink.js';

/** Headers that describe one hop's connection; the sidecar sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer',
  // The app's opt-in to the response cache is for the sidecar only, cache on or off.
  'askr-cache']);
/** Pause the worker when this much is waiting for a slow client (bytes). */
const HIGH_WATER = 8 * 1024 * 1024;
/** Output past this size is streamed instead of buffered (bytes). */
const BUFFER_LIMIT = 256 * 1024;

/**
 * What the sink writes to: the part of Node's `ServerResponse` it uses, which
 * the plain front's `PlainResponse` implements too.
 */
export interface ClientResponse {
  readonly headersSent: boolean;
  /** Nothing more reaches the client (Node's server destroys a response at the client's FIN). */
  readonly destroyed: boolean;
  /**
   * The plain front's: the client sent FIN while this request waited. It still
   * gets the response once PHP has begun it (Node's server would answer nothing).
   */
  readonly clientEnded?: boolean;
  readonly writableLength: number;
  writeHead(status: number, headers: string[] | Record<string, string | number>): unknown;
  write(chunk: Buffer): unknown;
  end(chunk?: Buffer | string): unknown;
  flushHeaders(): void;
  destroy(): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
}

/** What the sink remembers about a finished response, for logs and metrics. */
export interface ResponseSummary {
  workerPid?: number;
  status: number;
  bytes: number;
  streamed: boolean;
  error: AskrError | null;
}

/**
 * Writes a worker's response to the HTTP client. A response that arrives whole
 * goes out in one write with Content-Length; after the app's flush() (or large
 * output) it streams with chunked encoding. Errors before the head become the
 * error's status with a short text body; after the head, the connection is cut
 * so the client never mistakes a truncated body for a complete one.
 */
export class HttpResponseSink implements ResponseSink {
  private status = 0;
  private headers: HeaderList = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private started = false;
  readonly summary: ResponseSummary = { status: 0, bytes: 0, streamed: false, error: null };
  /** Extra headers the sidecar adds (X-Askr-Cache …). */
  readonly extraHeaders: HeaderList = [];

  constructor(
    private readonly res: ClientResponse,
    private readonly onDone: (summary: ResponseSummary) => void,
  ) {}

  head(status: number, headers: HeaderList, streamed: boolean): void {
    this.status = status;
    this.headers = headers;
    this.summary.status = status;
    if (streamed) this.start(true);
  }

  body(chunk: Buffer): boolean {
    this.summary.bytes += chunk.length;
    if (!this.started) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered <= BUFFER_LIMIT) return true;
      this.start(true);
      return this.res.writableLength < HIGH_WATER;
    }
    this.res.write(chunk);
    return this.res.writableLength < HIGH_WATER;
  }

  end(): void {
    if (!this.started) {
      const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      this.chunks = [];
      this.writeHead(body.length);
      this.res.end(body);
    } else {
      this.res.end();
    }
    this.finish();
  }

  fail(error: AskrError): void {
    this.summary.error = error;
    const gone = error.code === 'ASKR_ERR_CLIENT_GONE';
    // As nginx's 499: no response for a client that left, only the log line and the count.
    if (gone) this.summary.status = error.status;
    if (gone || this.started || this.res.headersSent) {
      this.res.destroy();
      this.finish();
      return;
    }
    const status = error.status;
    this.summary.status = status;
    const text = `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;
    const headers: Record<string, string | number> = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) };
    if (status === 503) headers['Retry-After'] = '1';
    if (error.code === 'ASKR_ERR_BODY_TOO_LARGE') headers.Connection = 'close';
    this.res.writeHead(status, headers);
    this.res.end(text);
    this.finish();
  }

  onDrain(resume: () => void): void {
    this.res.on('drain', resume);
    // A client that left never drains: the worker finishes into the void instead of waiting for the request timeout.
    this.res.on('close', resume);
  }

  assigned(workerPid: number): void {
    this.summary.workerPid = workerPid;
  }

  gone(): boolean {
    return this.res.destroyed || this.res.clientEnded === true;
  }

  private start(streamed: boolean): void {
    if (this.started) return;
    this.started = true;
    this.summary.streamed = streamed;
    this.writeHead(undefined);
    for (const c of this.chunks) this.res.write(c);
    this.chunks = [];
    this.res.flushHeaders();
  }

  private writeHead(contentLength: number | undefined): void {
    // A flat [name, value, …] list keeps duplicates (Set-Cookie) and the app's spelling.
    const flat: string[] = [];
    for (const list of [this.headers, this.extraHeaders]) {
      for (const [name, value] of list) {
        if (HOP_BY_HOP.has(name.toLowerCase())) continue;
        flat.push(name, value);
      }
    }
    if (contentLength !== undefined && this.status !== 204 && this.status !== 304 && !(this.status >= 100 && this.status < 200)) {
      flat.push('Content-Length', String(contentLength));
    }
    this.res.writeHead(this.status, flat);
  }

  private finish(): void {
    this.onDone(this.summary);
  }
}
