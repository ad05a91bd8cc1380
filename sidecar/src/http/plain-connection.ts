import type { Socket } from 'node:net';
import { PlainResponse, type ResponseChannel } from './plain-response.js';
import { parseSimpleRequest, type SimpleRequest } from './simple-request.js';

/** A complete response the plain front writes at once: head bytes (latin1) and the body, null for HEAD. */
export interface RawResponse {
  head: string;
  body: Buffer | null;
}

export interface PlainAnswerer {
  /**
   * Takes a request: answers it now (`connection.send`) or later (through
   * `connection.respond()`), and returns true; false leaves it, and the
   * connection, to Node's HTTP server.
   */
  answer(request: SimpleRequest, connection: PlainConnection): boolean;
}

/** Bytes a client may send ahead while a response is being made, before reading stops. */
const MAX_AHEAD = 64 * 1024;

/**
 * One client connection while its requests are plain GETs and HEADs: it reads
 * them with `parseSimpleRequest` and answers them itself, a fresh cache hit at
 * once, a PHP response when the worker sends it. That costs a fraction of
 * Node's HTTP server per request. At the first request it does not take, it
 * gives the socket, with every byte not yet answered, to Node's HTTP server
 * (`handOff`), which owns it from then on. Requests are answered one at a
 * time and in order: pipelined bytes wait until the response before them is
 * complete, and reading stops while the client does not read.
 */
export class PlainConnection implements ResponseChannel {
  private pending: Buffer | null = null;
  private handedOff = false;
  /** The response being made (by PHP) while later bytes wait. */
  private current: PlainResponse | null = null;
  /** Inside the parse loop: a response that finishes now lets the loop go on. */
  private parsing = false;
  private paused = false;
  /** The client sent FIN: once what it asked for is answered, the server closes its side too. */
  peerEnded = false;
  closing = false;
  private readonly onData = (chunk: Buffer): void => {
    this.receive(chunk);
  };
  private readonly onDrain = (): void => {
    this.current?.drained();
  };
  private readonly onEnd = (): void => {
    // The socket is half-open (Node's HTTP server sets allowHalfOpen, and does the same as here):
    // without this its side would stay open, in CLOSE-WAIT, until the idle timeout.
    this.peerEnded = true;
    if (!this.parsing) this.endIfAnswered();
  };
  private readonly onTimeout = (): void => {
    // Idle between requests; a slow PHP response is the request timeout's business.
    if (this.current === null) this.socket.destroy();
  };

  constructor(
    readonly socket: Socket,
    private readonly answerer: PlainAnswerer,
    private readonly handOff: (socket: Socket) => void,
    readonly keepAliveLine: string,
    idleTimeoutMs: number,
    private readonly onClosed: (connection: PlainConnection) => void,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs);
    socket.on('timeout', this.onTimeout);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('end', this.onEnd);
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.once('close', () => {
      // A worker paused for this client finishes into the void rather than waiting.
      this.current?.drained();
      if (!this.handedOff) onClosed(this);
    });
  }

  /**
   * Ends the connection (shutdown): at once between requests, after the
   * response (which says `Connection: close`) while one is being made.
   */
  close(): void {
    if (this.handedOff) return;
    if (this.current === null) {
      this.socket.destroy();
      return;
    }
    this.closing = true;
    this.pauseReading();
  }

  /** Writes a complete response now. */
  send(response: RawResponse): void {
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

  /** A response to be written later; the connection reads no further request until it is finished. */
  respond(method: string): PlainResponse {
    const response = new PlainResponse(this, method);
    this.current = response;
    return response;
  }

  responseFinished(response: PlainResponse, keepAlive: boolean): void {
    if (this.current !== response) return;
    this.current = null;
    if (!keepAlive || this.closing) {
      this.closing = true;
      this.pending = null;
      this.socket.end();
      return;
    }
    if (this.parsing) return;
    const rest = this.pending;
    this.pending = null;
    this.resumeReading();
    if (rest) this.receive(rest);
    else this.endIfAnswered();
  }

  /** After the client's FIN, ends the connection once no response is being made. */
  private endIfAnswered(): void {
    if (!this.peerEnded || this.current !== null || this.handedOff || this.socket.destroyed) return;
    this.closing = true;
    this.pending = null;
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (this.current !== null) {
      this.keep(buf, 0);
      if (buf.length > MAX_AHEAD) this.pauseReading();
      return;
    }
    this.parsing = true;
    try {
      this.parse(buf);
    } finally {
      this.parsing = false;
    }
    this.endIfAnswered();
  }

  private parse(buf: Buffer): void {
    let offset = 0;
    while (offset < buf.length) {
      const parsed = parseSimpleRequest(buf, offset);
      if (parsed.kind === 'incomplete') break;
      if (parsed.kind !== 'request' || !this.answerer.answer(parsed.request, this)) {
        this.giveAway(buf.subarray(offset));
        return;
      }
      offset = parsed.request.end;
      if (this.socket.destroyed) return;
      if (this.current !== null) {
        // PHP is making the response: the rest waits for it (responseFinished).
        this.keep(buf, offset);
        return;
      }
      if (this.socket.writableNeedDrain && offset < buf.length) {
        // The client is not reading: answer the rest once it has.
        this.keep(buf, offset);
        this.pauseReading();
        this.socket.once('drain', () => {
          const rest = this.pending;
          this.pending = null;
          this.resumeReading();
          if (rest) this.receive(rest);
        });
        return;
      }
    }
    this.keep(buf, offset);
  }

  /** Keeps the unanswered bytes from `offset` on (a copy: a chunk's memory is Node's). */
  private keep(buf: Buffer, offset: number): void {
    if (offset >= buf.length) return;
    this.pending = Buffer.from(buf.subarray(offset));
  }

  private pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  private giveAway(unanswered: Buffer): void {
    this.handedOff = true;
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('drain', this.onDrain);
    socket.off('timeout', this.onTimeout);
    socket.off('end', this.onEnd);
    socket.setTimeout(0);
    socket.pause();
    // Node's parser reads these bytes first: they are emitted before the socket reads again.
    if (unanswered.length > 0) socket.unshift(Buffer.from(unanswered));
    this.onClosed(this);
    this.handOff(socket);
    socket.resume();
  }
}
