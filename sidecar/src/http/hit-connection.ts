import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { parseSimpleRequest, type SimpleRequest } from './simple-request.js';

/** A response the hit front writes itself: head bytes (latin1) and the body, null for HEAD. */
export interface RawResponse {
  head: string;
  body: Buffer | null;
}

export interface HitAnswerer {
  /** The response for a request, or null when Node's HTTP server must handle it. */
  answer(request: SimpleRequest, socket: Socket): RawResponse | null;
}

/**
 * One client connection while every request on it is a fresh cache hit: it
 * reads requests with `parseSimpleRequest` and writes the answers itself,
 * which costs a fraction of Node's HTTP server per request. At the first
 * request it does not answer, it gives the socket, with every byte not yet
 * answered, to Node's HTTP server (`handOff`), which owns it from then on.
 * Pipelined requests are answered in order; while the client does not read,
 * reading stops.
 */
export class HitConnection {
  private pending: Buffer | null = null;
  private handedOff = false;
  private readonly onData = (chunk: Buffer): void => {
    this.receive(chunk);
  };

  constructor(
    private readonly socket: Socket,
    private readonly answerer: HitAnswerer,
    private readonly handOff: (socket: Socket) => void,
    private readonly idleTimeoutMs: number,
    private readonly onClosed: (connection: HitConnection) => void,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on('data', this.onData);
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.once('close', () => {
      if (!this.handedOff) onClosed(this);
    });
  }

  /** Ends the connection between requests (shutdown). */
  close(): void {
    if (!this.handedOff) this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let offset = 0;
    while (offset < buf.length) {
      const parsed = parseSimpleRequest(buf, offset);
      if (parsed.kind === 'incomplete') break;
      const response = parsed.kind === 'request' ? this.answerer.answer(parsed.request, this.socket) : null;
      if (parsed.kind !== 'request' || !response) {
        this.giveAway(buf.subarray(offset));
        return;
      }
      offset = parsed.request.end;
      this.write(response);
      if (this.socket.writableNeedDrain && offset < buf.length) {
        // The client is not reading: answer the rest once it has.
        this.pending = Buffer.from(buf.subarray(offset));
        this.socket.pause();
        this.socket.once('drain', () => {
          const rest = this.pending;
          this.pending = null;
          this.socket.resume();
          if (rest) this.receive(rest);
        });
        return;
      }
    }
    if (offset < buf.length) {
      buf = buf.subarray(offset);
      // A request head still arriving: keep a copy (the chunk's memory is Node's).
      this.pending = offset === 0 ? buf : Buffer.from(buf);
    }
  }

  private write(response: RawResponse): void {
    const socket = this.socket;
    if (response.body === null || response.body.length === 0) {
      socket.write(response.head, 'latin1');
      return;
    }
    // One writev for head and body.
    socket.cork();
    socket.write(response.head, 'latin1');
    socket.write(response.body);
    socket.uncork();
  }

  private giveAway(unanswered: Buffer): void {
    this.handedOff = true;
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.setTimeout(0);
    socket.pause();
    // Node's parser reads these bytes first: they are emitted before the socket reads again.
    if (unanswered.length > 0) socket.unshift(Buffer.from(unanswered));
    this.onClosed(this);
    this.handOff(socket);
    socket.resume();
  }
}

let dateSecond = -1;
let dateText = '';

/** The Date header's value, formatted once per second (as Node's HTTP server does). */
export function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

// Node's own checks on outgoing headers, so the raw path never sends what Node would refuse.
const HEADER_NAME = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const headBlocks = new WeakMap<readonly string[], string | null>();

/**
 * `HTTP/1.1 <status> <reason>` and the stored headers of an entry, each line
 * ending in CRLF; memoised per stored header list. Null when a name or value
 * is one Node would refuse to send.
 */
export function statusAndHeaders(status: number, headers: readonly string[]): string | null {
  let block = headBlocks.get(headers);
  if (block !== undefined) return block;
  block = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] ?? '';
    const value = headers[i + 1] ?? '';
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) {
      block = null;
      break;
    }
    block += `${name}: ${value}\r\n`;
  }
  headBlocks.set(headers, block);
  return block;
}
