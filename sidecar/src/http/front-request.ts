import type { Socket } from 'node:net';
import type { SimpleRequest } from './simple-request.js';

/**
 * What the PHP pipeline reads of a client request: the part of Node's
 * `IncomingMessage` it uses, so that a request read by the plain front (which
 * never builds one) goes through the same pipeline.
 */
export interface FrontRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Names lowercased, as Node's `req.headers` (which joins repeated fields, set-cookie aside). */
  readonly headers: { readonly host?: string | undefined; readonly [name: string]: string | string[] | undefined };
  /** [name, value, …] as received. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly socket: {
    readonly remoteAddress?: string | undefined;
    readonly remotePort?: number | undefined;
    readonly localAddress?: string | undefined;
    readonly localPort?: number | undefined;
  };
}

/** A request the plain front read itself: a bodiless HTTP/1.1 GET or HEAD. */
export class PlainRequest implements FrontRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawHeaders: readonly string[];
  readonly httpVersion = '1.1';

  constructor(request: SimpleRequest, readonly socket: Socket) {
    this.method = request.method;
    this.url = request.target;
    this.headers = request.headers;
    this.rawHeaders = request.rawHeaders;
  }
}
