import { randomInt } from 'node:crypto';
import type { PusherApp } from './pusher-app.js';
import { RateLimiter } from './rate-limiter.js';

/** Where a connection's frames go: the WebSocket shell, or a test's recorder. */
export interface ConnectionSink {
  /** Sends one text frame. */
  send(frame: string): void;
  /** Sends the same text frame bytes to many sockets (fan-out); defaults to `send`. */
  sendShared?(frame: Buffer): void;
  /** Closes with a WebSocket close code. */
  close(code: number, reason: string): void;
}

/** A socket id as Pusher issues them: `\d+\.\d+`, random so it is unique across processes and pods. */
export function newSocketId(): string {
  return `${randomInt(1, 2 ** 47)}.${randomInt(1, 2 ** 47)}`;
}

/** The state of one client connection. Times in ms. */
export class PusherConnection {
  readonly socketId: string;
  readonly app: PusherApp;
  readonly sink: ConnectionSink;
  readonly openedAt: number;
  /** Confirmed subscriptions, with the presence user id where there is one. */
  readonly channels = new Map<string, string | undefined>();
  /** Subscriptions whose `sub` record is in the ring but not yet applied. */
  readonly pending = new Map<string, string | undefined>();
  readonly clientEvents: RateLimiter;
  lastActivity: number;
  /** When the server's ping went out; 0 when none is outstanding. */
  pingSentAt = 0;
  /** Signed-in user id (`pusher:signin`). */
  userId: string | undefined;
  /** User ids whose online/offline changes it is told about (sign-in `watchlist`). */
  watchlist: ReadonlySet<string> = new Set();
  /** Signed in or subscribed to a channel that needs auth. */
  authorized = false;
  closed = false;

  constructor(app: PusherApp, sink: ConnectionSink, now: number, socketId: string = newSocketId()) {
    this.socketId = socketId;
    this.app = app;
    this.sink = sink;
    this.openedAt = now;
    this.lastActivity = now;
    this.clientEvents = new RateLimiter(app.clientEventRate, now);
  }

  send(frame: string): void {
    if (!this.closed) this.sink.send(frame);
  }

  /** Closes the socket once; the reason is cut to fit a close frame. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close(code, reason.slice(0, 120));
  }

  /** Number of channels subscribed or being subscribed. */
  get channelCount(): number {
    return this.channels.size + this.pending.size;
  }
}
