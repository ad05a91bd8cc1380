import type { Socket } from 'node:net';
import type { ClientResponse } from './http-response-sink.js';
import { httpDate, isSendableHeader, statusLine } from './response-head.js';

/** The connection a plain response is written on. */
export interface ResponseChannel {
  readonly socket: Socket;
  /** The connection ends after this response (the server is draining). */
  readonly closing: boolean;
  /** The client sent FIN. */
  readonly peerEnded: boolean;
  /** `Keep-Alive: timeout=<s>` and its CRLF, as Node's server announces it. */
  readonly keepAliveLine: string;
  /** The response is complete (or was cut); `keepAlive` false ends the connection. */
  responseFinished(response: PlainResponse, keepAlive: boolean): void;
}

/**
 * A response written straight onto the socket of a plain-front connection,
 * with the framing Node's `ServerResponse` would use for the same calls:
 * status line, the given headers, Date, Connection and Keep-Alive, then
 * Content-Length (when given) or chunked encoding; no body for HEAD, 1xx, 204
 * and 304. Headers Node would refuse throw, as Node does. The head waits for
 * the first body bytes so that both leave in one write.
 */
export class PlainResponse implements ClientResponse {
  headersSent = false;
  private pendingHead = '';
  private chunked = false;
  private hasBody: boolean;
  private keepAlive = true;
  private finished = false;
  private drainListeners: (() => void)[] = [];
  private readonly endedBefore: boolean;

  constructor(
    private readonly channel: ResponseChannel,
    method: string,
  ) {
    this.hasBody = method !== 'HEAD';
    this.endedBefore = channel.peerEnded;
  }

  get writableLength(): number {
    return this.channel.socket.writableLength;
  }

  get destroyed(): boolean {
    return this.channel.socket.destroyed;
  }

  /**
   * The client sent FIN after asking for this response: it left while the
   * request waited. A request it had sent before its FIN (pipelined, then a
   * half-close) still counts as wanted.
   */
  get clientEnded(): boolean {
    return this.channel.peerEnded && !this.endedBefore;
  }

  writeHead(status: number, headers: readonly string[] | Readonly<Record<string, string | number>>): void {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    const flat = Array.isArray(headers) ? (headers as readonly string[]) : Object.entries(headers).flatMap(([name, value]) => [name, String(value)]);
    let head = statusLine(status);
    let hasLength = false;
    let hasDate = false;
    let connection: string | undefined;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = flat[i] ?? '';
      const value = flat[i + 1] ?? '';
      if (!isSendableHeader(name, value)) throw Object.assign(new TypeError(`Invalid header "${name}"`), { code: 'ERR_INVALID_CHAR' });
      const lower = name.toLowerCase();
      if (lower === 'content-length') hasLength = true;
      else if (lower === 'date') hasDate = true;
      else if (lower === 'connection') connection = value;
      head += `${name}: ${value}\r\n`;
    }
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) this.hasBody = false;
    if (!hasDate) head += `Date: ${httpDate(Date.now())}\r\n`;
    if (connection !== undefined) {
      this.keepAlive = !/\bclose\b/i.test(connection);
    } else if (this.channel.closing) {
      this.keepAlive = false;
      head += 'Connection: close\r\n';
    } else {
      head += `Connection: keep-alive\r\n${this.channel.keepAliveLine}`;
    }
    if (!hasLength && this.hasBody) {
      head += 'Transfer-Encoding: chunked\r\n';
      this.chunked = true;
    }
    this.pendingHead = `${head}\r\n`;
    this.headersSent = true;
  }

  write(chunk: Buffer): boolean {
    const socket = this.channel.socket;
    if (this.finished || socket.destroyed) return false;
    if (!this.hasBody || chunk.length === 0) {
      this.flushHeaders();
      return !socket.writableNeedDrain;
    }
    socket.cork();
    this.flushHeaders();
    if (this.chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    if (this.chunked) socket.write('\r\n', 'latin1');
    socket.uncork();
    return !socket.writableNeedDrain;
  }

  end(chunk?: Buffer | string): void {
    if (this.finished) return;
    const socket = this.channel.socket;
    if (!socket.destroyed) {
      const body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      socket.cork();
      if (body !== undefined && body.length > 0) this.write(body);
      else this.flushHeaders();
      if (this.chunked) socket.write('0\r\n\r\n', 'latin1');
      socket.uncork();
    }
    this.finish(this.keepAlive);
  }

  flushHeaders(): void {
    if (this.pendingHead === '') return;
    const socket = this.channel.socket;
    if (!socket.destroyed) socket.write(this.pendingHead, 'latin1');
    this.pendingHead = '';
  }

  /** Cuts the response short: the client must not take a truncated body for a whole one. */
  destroy(): void {
    this.channel.socket.destroy();
    this.finish(false);
  }

  /** `drained()` runs at the socket's 'drain' and at its 'close' alike. */
  on(event: 'drain' | 'close', listener: () => void): void {
    if (event === 'drain') this.drainListeners.push(listener);
  }

  /** The socket drained, or closed (a paused worker then finishes into the void). */
  drained(): void {
    for (const listener of this.drainListeners) listener();
  }

  private finish(keepAlive: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.channel.responseFinished(this, keepAlive);
  }
}
