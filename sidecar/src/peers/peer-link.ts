import type { WebSocket } from 'ws';
import { FrameOpener, FrameSealer } from './peer-auth.js';
import { PeerCloseCode } from './peer-codes.js';
import { decodeMessages, encodeMessages, type PeerMessage } from './peer-messages.js';

/** Timing of a link, ms. */
export interface LinkTiming {
  /** A frame is sent at least this often (a ping when idle). */
  readonly heartbeatMs: number;
  /** No frame for this long: the link is dead. */
  readonly silenceMs: number;
}

/** Default timing: a ping every second, dead after three silent seconds. */
export const DEFAULT_TIMING: LinkTiming = { heartbeatMs: 1000, silenceMs: 3000 };

/** Bytes a link may have queued in its socket before it is closed (the peer catches up on reconnect). */
const MAX_BUFFERED = 32 * 1024 * 1024;

/** A link's socket, keys (per direction) and handlers. */
export interface PeerLinkOptions {
  readonly ws: WebSocket;
  /** Key of frames this end sends, and of frames it receives. */
  readonly sendKey: Buffer;
  readonly receiveKey: Buffer;
  readonly onMessage: (message: PeerMessage) => void;
  readonly onClose: (code: number, reason: string) => void;
  readonly timing?: LinkTiming;
  readonly now?: () => number;
}

/** Frame and message counts of one link. */
export interface LinkStats {
  framesIn: number;
  framesOut: number;
  messagesIn: number;
  messagesOut: number;
}

/**
 * One authenticated WebSocket between two sidecars, either end. Messages sent
 * in one turn of the event loop go out as one sealed frame; every received
 * frame is verified (MAC and counter) before its messages are handed on in
 * order; a frame that fails closes the link. Heartbeats keep an idle link
 * proven alive, and a silent one is closed.
 */
export class PeerLink {
  readonly stats: LinkStats = { framesIn: 0, framesOut: 0, messagesIn: 0, messagesOut: 0 };
  private readonly ws: WebSocket;
  private readonly sealer: FrameSealer;
  private readonly opener: FrameOpener;
  private readonly opts: PeerLinkOptions;
  private readonly timing: LinkTiming;
  private readonly now: () => number;
  private queue: PeerMessage[] = [];
  private flushScheduled = false;
  private lastHeard: number;
  private lastSent: number;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(options: PeerLinkOptions) {
    this.opts = options;
    this.ws = options.ws;
    this.sealer = new FrameSealer(options.sendKey);
    this.opener = new FrameOpener(options.receiveKey);
    this.timing = options.timing ?? DEFAULT_TIMING;
    this.now = options.now ?? Date.now;
    this.lastHeard = this.lastSent = this.now();
    this.ws.on('message', (data, isBinary) => {
      this.receive(data as Buffer, isBinary);
    });
    this.ws.on('close', (code, reason) => {
      this.finish(code, reason.toString('utf8'));
    });
    this.ws.on('error', () => {
      // 'close' follows; the error itself says nothing the close code does not.
    });
    this.timer = setInterval(() => { this.tick(); }, Math.max(10, Math.floor(this.timing.heartbeatMs / 2)));
    this.timer.unref();
  }

  /** Whether the link can still send. */
  get open(): boolean {
    return !this.closed;
  }

  /** Queues a message; every message queued in this turn leaves as one frame. */
  send(message: PeerMessage): void {
    if (this.closed) return;
    this.queue.push(message);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => { this.flush(); });
  }

  /** Sends what is queued now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.queue.length === 0) return;
    const messages = this.queue;
    this.queue = [];
    if (this.ws.bufferedAmount > MAX_BUFFERED) {
      this.close(PeerCloseCode.SLOW, 'peer too slow');
      return;
    }
    this.ws.send(this.sealer.seal(encodeMessages(messages)), { binary: true });
    this.stats.framesOut++;
    this.stats.messagesOut += messages.length;
    this.lastSent = this.now();
  }

  /** Flushes, then closes with a code the other end acts on. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    if (code === PeerCloseCode.GOING_AWAY) this.flush();
    this.ws.close(code, reason.slice(0, 120));
    this.finish(code, reason);
    // A peer that does not answer the close handshake must not keep the socket.
    setTimeout(() => { this.ws.terminate(); }, 2000).unref();
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    const payload = isBinary ? this.opener.open(data) : undefined;
    const messages = payload ? decodeMessages(payload) : undefined;
    if (!messages) {
      this.close(PeerCloseCode.BAD_FRAME, 'frame failed verification');
      return;
    }
    this.lastHeard = this.now();
    this.stats.framesIn++;
    this.stats.messagesIn += messages.length;
    for (const m of messages) {
      // A message may end the link (a close code from the receiver): the rest of the frame is dropped.
      if (!this.open) return;
      if (m.k !== 'ping') this.opts.onMessage(m);
    }
  }

  private tick(): void {
    if (this.closed) return;
    const now = this.now();
    if (now - this.lastHeard > this.timing.silenceMs) {
      this.ws.terminate();
      this.finish(PeerCloseCode.SILENT, 'no frame from the peer');
      return;
    }
    if (now - this.lastSent >= this.timing.heartbeatMs) this.send({ k: 'ping' });
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.queue = [];
    this.opts.onClose(code, reason);
  }
}
