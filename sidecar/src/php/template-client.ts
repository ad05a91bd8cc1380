import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { AskrError } from '../errors.js';
import { encodeJsonFrame, FrameDecoder, parseJson, type Frame } from '../protocol/frame-codec.js';
import { FrameType } from '../protocol/frame-types.js';

/** What the template says when a front process connects. */
export interface TemplateHello {
  pid: number;
  mode: 'worker' | 'classic';
  php: string;
  bootMs: number;
  root: string;
  workerScript: string | null;
  opcache: boolean;
  /** Workers the template already runs (forked before a sidecar restart; they reconnect). */
  children?: number;
}

export interface SpawnedEvent {
  pid: number;
  tag: string;
  forkMs: number;
}

export interface ExitedEvent {
  pid: number;
  tag: string;
  status: number | null;
  signal: number | null;
}

interface TemplateClientEvents {
  spawned: [SpawnedEvent];
  exited: [ExitedEvent];
  /** The connection to the template was lost (it restarted or died). */
  down: [Error | undefined];
  up: [TemplateHello];
}

/**
 * A front process's connection to the PHP template (template.sock): asks for
 * forks and kills, hears about forks and exits. Reconnects with backoff when the
 * template goes away (in a pod the app container restarts on its own).
 */
export class TemplateClient extends EventEmitter<TemplateClientEvents> {
  private socket: Socket | null = null;
  private helloInfo: TemplateHello | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly socketPath: string) {
    super();
  }

  get hello(): TemplateHello | null {
    return this.helloInfo;
  }

  get connected(): boolean {
    return this.helloInfo !== null;
  }

  /** Connects, waiting up to `timeoutMs` for the template to listen and greet. */
  async connect(timeoutMs: number): Promise<TemplateHello> {
    const deadline = Date.now() + timeoutMs;
    let lastError: Error | undefined;
    while (!this.closed && Date.now() < deadline) {
      try {
        return await this.attempt(Math.max(50, deadline - Date.now()));
      } catch (err) {
        lastError = err as Error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new AskrError(
      'ASKR_ERR_TEMPLATE',
      `the PHP template did not answer on ${this.socketPath} within ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`,
    );
  }

  spawn(count: number, workerSocket: string, tag: string): boolean {
    return this.send(FrameType.SPAWN, { count, socket: workerSocket, tag });
  }

  kill(pid: number, signal = 9): boolean {
    return this.send(FrameType.KILL, { pid, signal });
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = null;
  }

  private send(type: number, data: unknown): boolean {
    if (!this.socket || !this.helloInfo) return false;
    this.socket.write(encodeJsonFrame(type, data));
    return true;
  }

  private attempt(timeoutMs: number): Promise<TemplateHello> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      let greeted = false;
      const timer = setTimeout(() => {
        socket.destroy(new Error('no TEMPLATE_HELLO'));
      }, timeoutMs);
      const decoder = new FrameDecoder((frame) => {
        if (!greeted) {
          if (frame.type !== FrameType.TEMPLATE_HELLO) {
            socket.destroy(new Error(`unexpected first frame 0x${frame.type.toString(16)}`));
            return;
          }
          greeted = true;
          clearTimeout(timer);
          this.socket = socket;
          this.helloInfo = parseJson(frame.payload) as TemplateHello;
          resolve(this.helloInfo);
          this.emit('up', this.helloInfo);
          return;
        }
        this.onFrame(frame);
      });
      socket.on('data', (chunk) => {
        try {
          decoder.push(chunk);
        } catch (err) {
          socket.destroy(err as Error);
        }
      });
      socket.on('error', (err) => {
        if (!greeted) {
          clearTimeout(timer);
          reject(err);
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (!greeted) {
          reject(new Error('template closed the connection'));
          return;
        }
        this.socket = null;
        this.helloInfo = null;
        if (this.closed) return;
        this.emit('down', undefined);
        this.scheduleReconnect();
      });
    });
  }

  private scheduleReconnect(delay = 100): void {
    this.retryTimer = setTimeout(() => {
      this.attempt(2000).catch(() => {
        if (!this.closed) this.scheduleReconnect(Math.min(delay * 2, 2000));
      });
    }, delay);
  }

  private onFrame(frame: Frame): void {
    const data = parseJson(frame.payload);
    if (frame.type === FrameType.SPAWNED) this.emit('spawned', data as SpawnedEvent);
    else if (frame.type === FrameType.EXITED) this.emit('exited', data as ExitedEvent);
  }
}
