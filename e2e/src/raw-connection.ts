import { connect, type Socket } from 'node:net';

/** A response as it came off the wire: head lines (status line first) and the body, de-chunked. */
export interface RawReply {
  head: string[];
  body: string;
  /** The body's framing: Content-Length, chunked, or none (HEAD, 204, 304). */
  framing: 'length' | 'chunked' | 'none';
}

/** A header's value in a raw reply (first occurrence, case-insensitive). */
export function replyHeader(r: RawReply, name: string): string | undefined {
  return r.head.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
}

/** The head without Date, whose value changes every second. */
export function stableHead(r: RawReply): string[] {
  return r.head.filter((l) => !l.startsWith('Date:'));
}

/**
 * A kept-alive client connection on a raw socket, so that the bytes on the
 * wire, pipelining and framing are visible. Reads whole responses, framed by
 * Content-Length or chunked encoding.
 */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly socket: Socket;
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('error', () => {
      // 'close' follows.
    });
    this.socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** The next response; a response to HEAD carries no body whatever its headers say. */
  async read(head = false, timeoutMs = 10_000): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.take(head);
      if (reply) return reply;
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buf.toString('latin1').slice(0, 400))}`);
      if (Date.now() > deadline) throw new Error(`no complete response within ${timeoutMs} ms; have ${JSON.stringify(this.buf.toString('latin1').slice(0, 400))}`);
      await this.more(200);
    }
  }

  /** Resolves when more bytes arrive, the connection closes, or after `ms`. */
  more(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Bytes that arrived and were not read as part of a response. */
  get unread(): number {
    return this.buf.length;
  }

  close(): void {
    this.socket.destroy();
  }

  private take(headOnly: boolean): RawReply | null {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const head = this.buf.toString('latin1', 0, end).split('\r\n');
    const status = Number(head[0]?.split(' ')[1] ?? 0);
    const find = (name: string): string | undefined => head.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
    const start = end + 4;
    if (headOnly || status === 204 || status === 304 || status < 200) return this.consume(head, start, Buffer.alloc(0), 'none');
    if (find('transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      let at = start;
      for (;;) {
        const lineEnd = this.buf.indexOf('\r\n', at);
        if (lineEnd === -1) return null;
        const size = parseInt(this.buf.toString('latin1', at, lineEnd), 16);
        if (!Number.isFinite(size)) throw new Error(`bad chunk size line: ${JSON.stringify(this.buf.toString('latin1', at, lineEnd))}`);
        if (size === 0) {
          if (this.buf.length < lineEnd + 4) return null;
          return this.consume(head, lineEnd + 4, Buffer.concat(parts), 'chunked');
        }
        if (this.buf.length < lineEnd + 2 + size + 2) return null;
        parts.push(this.buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
    }
    const length = Number(find('content-length') ?? 0);
    if (this.buf.length < start + length) return null;
    return this.consume(head, start + length, this.buf.subarray(start, start + length), 'length');
  }

  private consume(head: string[], next: number, body: Buffer, framing: RawReply['framing']): RawReply {
    const reply = { head, body: body.toString('utf8'), framing };
    this.buf = this.buf.subarray(next);
    return reply;
  }
}

/** The connections one test suite opens, closed together in its `after`. */
export class RawConnections {
  private readonly all: RawConnection[] = [];

  open(port: number): RawConnection {
    const c = new RawConnection(port);
    this.all.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.all) c.close();
  }
}
