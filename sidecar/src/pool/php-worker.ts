import type { Socket } from 'node:net';
import { AskrError } from '../errors.js';
import { encodeJsonFrame, FrameDecoder, parseJson, type Frame } from '../protocol/frame-codec.js';
import { FrameType } from '../protocol/frame-types.js';
import type { Exchange } from './exchange.js';

/**
 * The life of a worker as the pool sees it:
 *
 *   connecting ─HELLO─▶ idle ──dispatch──▶ busy ──response ended──▶ deferring ──READY──▶ idle
 *                        │                  │                              │
 *                        └─STOP─▶ stopping  └──────── socket closed ───────┴──▶ dead
 *
 * A STOP sent while busy or deferring takes effect at READY (stopPending).
 *
 * "deferring" covers askr_defer() work after the response: the worker is not
 * given a new request until it says READY. A classic worker serves one request
 * and exits from "deferring"; that exit is its normal end.
 */
export type WorkerState = 'connecting' | 'idle' | 'busy' | 'deferring' | 'stopping' | 'dead';

export interface ReadyReport {
  /** Classic mode: this process may run another eligible script. */
  reusable?: boolean;
  /** Classic mode: the script it ran, now known to be eligible. */
  script?: string;
  memory: number;
  memoryReal: number;
  requests: number;
  deferred: number;
  deferredErrors: number;
  deferredMs: number;
}

export interface WorkerEvents {
  /** The worker introduced itself (first frame) and is ready for requests. */
  hello(worker: PhpWorker): void;
  /** The response ended; the worker may still be running deferred work. */
  responseEnded(worker: PhpWorker, exchange: Exchange): void;
  /**
   * The worker finished a request (READY). With `continued`, it went straight
   * on to the request sent ahead to it, and is busy again.
   */
  ready(worker: PhpWorker, report: ReadyReport, continued: boolean): void;
  /** A request sent ahead that the worker will never read (it exited or died first): it goes elsewhere. */
  returned(worker: PhpWorker, exchange: Exchange): void;
  /** A reused classic process would not run this request; it exits and the request goes elsewhere. */
  declined(worker: PhpWorker, exchange: Exchange, script: string): void;
  died(worker: PhpWorker, reason: string): void;
}

export class PhpWorker {
  state: WorkerState = 'connecting';
  pid = 0;
  tag = '';
  mode: 'worker' | 'classic' = 'worker';
  exchange: Exchange | null = null;
  /**
   * A request written to the worker while it was busy (dispatch ahead): the
   * worker reads it as soon as it is READY, without waiting for the front.
   */
  ahead: Exchange | null = null;
  /** performance.now() when the worker started its current request. */
  servingSince = 0;
  /** How long the last request kept the worker (ms, READY included). */
  lastServiceMs = 0;
  requests = 0;
  memory = 0;
  /** performance.now() when it last became idle. */
  idleSince = performance.now();
  /** performance.now() when the current request or deferred phase began. */
  phaseSince = performance.now();
  deathReason = '';
  /** Requests after which the pool recycles it (0: never); set when it says HELLO. */
  recycleAt = 0;
  /** STOP was sent: the worker exits once its current request is done. */
  stopPending = false;
  private readonly decoder: FrameDecoder;
  private writableWaiters: (() => void)[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly events: WorkerEvents,
    private readonly killer: (pid: number) => void,
  ) {
    this.decoder = new FrameDecoder((frame) => {
      this.onFrame(frame);
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      try {
        this.decoder.push(chunk);
      } catch (err) {
        this.kill(err instanceof AskrError ? err.message : `bad frame: ${(err as Error).message}`);
      }
    });
    socket.on('drain', () => {
      for (const w of this.writableWaiters.splice(0)) w();
    });
    socket.on('error', () => {
      // 'close' follows and reports the death.
    });
    socket.on('close', () => {
      this.onClose();
    });
  }

  /** Writes bytes to the worker; false when the socket buffer is full. */
  send(data: Buffer): boolean {
    if (this.state === 'dead') return true;
    return this.socket.write(data);
  }

  onceWritable(fn: () => void): void {
    this.writableWaiters.push(fn);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  begin(exchange: Exchange): void {
    this.state = 'busy';
    this.exchange = exchange;
    this.phaseSince = performance.now();
    this.servingSince = this.phaseSince;
    exchange.start();
  }

  /** Writes the next request now, to be read when the current one is done. */
  sendAhead(exchange: Exchange): void {
    this.ahead = exchange;
    exchange.start();
  }

  /** Asks the worker to exit once idle (recycling, harvesting, shutdown). */
  stop(reason: string): void {
    if (this.state === 'dead' || this.stopPending) return;
    this.stopPending = true;
    if (this.state === 'idle') this.state = 'stopping';
    this.deathReason = reason;
    this.socket.write(encodeJsonFrame(FrameType.STOP, { reason }));
  }

  /** Kills the process (through the template) and treats the worker as dead now. */
  kill(reason: string): void {
    if (this.state === 'dead') return;
    this.deathReason = reason;
    if (this.pid > 0) this.killer(this.pid);
    this.socket.destroy();
  }

  private onFrame(frame: Frame): void {
    if (this.state === 'dead') return;
    if (this.state === 'connecting') {
      if (frame.type !== FrameType.HELLO) throw new AskrError('ASKR_ERR_PROTOCOL', 'first frame from a worker must be HELLO');
      const hello = parseJson(frame.payload) as { pid?: unknown; tag?: unknown; mode?: unknown; requests?: unknown };
      this.pid = typeof hello.pid === 'number' ? hello.pid : 0;
      this.tag = typeof hello.tag === 'string' ? hello.tag : '';
      this.mode = hello.mode === 'classic' ? 'classic' : 'worker';
      this.requests = typeof hello.requests === 'number' ? hello.requests : 0;
      this.state = 'idle';
      this.idleSince = performance.now();
      this.events.hello(this);
      return;
    }
    const exchange = this.exchange;
    if (frame.type === FrameType.READY) {
      const report = parseJson(frame.payload) as ReadyReport;
      this.memory = report.memory;
      this.requests = report.requests;
      const now = performance.now();
      this.lastServiceMs = now - this.servingSince;
      const next = this.ahead;
      if (next) {
        // The worker is reading it already.
        this.ahead = null;
        this.exchange = next;
        this.state = 'busy';
        this.phaseSince = now;
        this.servingSince = now;
        this.events.ready(this, report, true);
        return;
      }
      this.exchange = null;
      this.state = this.stopPending ? 'stopping' : 'idle';
      this.idleSince = now;
      this.events.ready(this, report, false);
      return;
    }
    if (!exchange) {
      throw new AskrError('ASKR_ERR_PROTOCOL', `frame 0x${frame.type.toString(16)} from an idle worker`);
    }
    if (frame.type === FrameType.DECLINE && this.state === 'busy' && !exchange.responseStarted) {
      const declined = parseJson(frame.payload) as { script?: unknown };
      this.exchange = null;
      this.stopPending = true;
      this.state = 'stopping';
      this.events.declined(this, exchange, typeof declined.script === 'string' ? declined.script : '');
      return;
    }
    if (this.state === 'deferring') {
      if (frame.type !== FrameType.CALL) throw new AskrError('ASKR_ERR_PROTOCOL', `frame 0x${frame.type.toString(16)} after the response ended`);
      exchange.onCall(frame.payload);
      return;
    }
    if (exchange.onFrame(frame)) {
      this.state = 'deferring';
      this.phaseSince = performance.now();
      this.socket.resume();
      this.events.responseEnded(this, exchange);
    }
  }

  private onClose(): void {
    if (this.state === 'dead') return;
    const previous = this.state;
    this.state = 'dead';
    const exchange = this.exchange;
    this.exchange = null;
    const ahead = this.ahead;
    this.ahead = null;
    // Frames are read in order: a worker that closed before its READY never read what was sent ahead.
    if (ahead) this.events.returned(this, ahead);
    if (exchange && !exchange.responseEnded) {
      exchange.fail(new AskrError('ASKR_ERR_WORKER_DIED', `worker ${this.pid} died while handling ${exchange.request.method} ${exchange.request.uri}${this.deathReason ? ` (${this.deathReason})` : ''}`));
    }
    const normal = previous === 'stopping' || previous === 'connecting' || (this.mode === 'classic' && previous === 'deferring');
    this.events.died(this, normal ? '' : this.deathReason || `connection closed while ${previous}`);
  }
}
