import type { AskrError } from '../errors.js';

/** A response header list in order, names as the app wrote them. */
export type HeaderList = [name: string, value: string][];

/**
 * Where a worker's response goes (the HTTP client, the response cache, a
 * replay). Calls come in this order: head once, body zero or more times, then
 * end; or fail at any point (before head: the caller answers with the error's
 * status; after head: the response is cut short).
 */
export interface ResponseSink {
  head(status: number, headers: HeaderList, streamed: boolean): void;
  /** Returns false when the sink wants the worker paused until `onDrain` fires. */
  body(chunk: Buffer): boolean;
  end(): void;
  fail(error: AskrError): void;
  /** Registers the callback that resumes a paused worker. */
  onDrain(resume: () => void): void;
  /** Told which worker took the request (for logs and recordings). */
  assigned?(workerPid: number): void;
  /**
   * True when nobody waits for this response any more (its client closed the
   * connection or sent FIN): a request still queued is then dropped instead
   * of run. Absent or false: the request runs whatever the client does.
   */
  gone?(): boolean;
}

/** The request as the pool hands it to a worker. */
export interface DispatchRequest {
  id: string;
  method: string;
  uri: string;
  /** Script relative to the document root ("index.php"); empty in worker mode. */
  script: string;
  pathInfo: string;
  server: Record<string, string>;
  /** The whole body in memory, or a spooled file streamed in chunks. */
  body: { kind: 'inline'; data: Buffer } | { kind: 'file'; path: string; size: number };
}
