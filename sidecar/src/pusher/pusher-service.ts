import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BroadcastHub } from '../broadcast/broadcast-hub.js';
import { handleApiRequest } from './http-api.js';
import { AppRegistry, resolvePusherApps, type PusherApp, type PusherConfig } from './pusher-app.js';
import { PusherCode } from './pusher-codes.js';
import type { PusherConnection } from './pusher-connection.js';
import { PusherCore } from './pusher-core.js';
import { frames } from './pusher-frames.js';
import { PusherMetrics, type PusherMetricsSink } from './pusher-metrics.js';
import { WebhookSender, type WebhookPost } from './webhook-sender.js';

export interface PusherServiceOptions {
  /** Parsed real-time options (`pusherOptions`). */
  readonly config: PusherConfig;
  /** This front process's end of the broadcast ring (started by the caller). */
  readonly hub: BroadcastHub;
  /** Registry the front process exports on /metrics. */
  readonly registry: Registry;
  /** Apps to serve; default: resolved from `config`. */
  readonly apps?: readonly PusherApp[];
  /** Admission per app in the pod; default: per process. */
  readonly admit?: (app: PusherApp, delta: 1 | -1) => boolean;
  readonly webhookPost?: WebhookPost;
  readonly log?: (message: string) => void;
  readonly now?: () => number;
}

/** Bytes a slow socket may have queued before it is closed with 4100 (back off, then reconnect). */
const MAX_BUFFERED = 8 * 1024 * 1024;
/** Largest HTTP API body read (ten events at the payload limit, plus their JSON). */
const API_BODY_SLACK = 64 * 1024;

/** The app key of a `/app/{key}?protocol=N` URL, or the Pusher code and message refusing it (WS-03). */
export function checkHandshake(url: URL): string | [number, string] {
  const m = /^\/app\/([^/]+)$/.exec(url.pathname);
  if (!m) return [PusherCode.PATH_NOT_FOUND, 'Path not found: connect to /app/{key}'];
  const protocol = url.searchParams.get('protocol');
  if (protocol === null) return [PusherCode.NO_PROTOCOL, 'No protocol version supplied'];
  if (!/^\d+$/.test(protocol)) return [PusherCode.INVALID_VERSION, 'Invalid version string format'];
  if (Number(protocol) < 5 || Number(protocol) > 7) return [PusherCode.UNSUPPORTED_PROTOCOL, `Unsupported protocol version ${protocol}`];
  try {
    return decodeURIComponent(m[1] ?? '');
  } catch {
    return [PusherCode.APP_NOT_FOUND, 'Malformed app key'];
  }
}

/**
 * The Pusher protocol as a service the HTTP front wires in: WebSocket upgrades
 * at `/app/{key}` and the HTTP API at `/apps/{id}/…`. A thin shell over
 * `PusherCore`; it starts nothing that listens.
 */
export class PusherService {
  readonly core: PusherCore;
  readonly apps: AppRegistry;
  readonly webhooks: WebhookSender;
  readonly metrics: PusherMetricsSink;
  private readonly hub: BroadcastHub;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly timestampWindow: number;
  private readonly maxBody: number;
  private readonly now: () => number;
  private closing = false;

  constructor(options: PusherServiceOptions) {
    const { config, hub } = options;
    const log = options.log ?? ((m: string) => { console.error(`askr pusher: ${m}`); });
    let apps = options.apps;
    if (!apps) {
      const resolved = resolvePusherApps(config);
      for (const w of resolved.warnings) log(w);
      apps = resolved.apps;
    }
    this.apps = new AppRegistry(apps);
    this.hub = hub;
    this.now = options.now ?? Date.now;
    this.timestampWindow = config.pusherTimestampWindow;
    const maxPayload = Math.max(...apps.map((a) => a.maxPayload));
    this.maxBody = maxPayload * 10 + API_BODY_SLACK;
    const metrics = new PusherMetrics(options.registry, () => this.core.localChannelCounts());
    this.metrics = metrics;
    this.webhooks = new WebhookSender({
      apps: this.apps, batchMs: config.pusherWebhookBatch * 1000, retryForMs: config.pusherWebhookRetry * 1000, metrics, log, now: this.now,
      ...(options.webhookPost ? { post: options.webhookPost } : {}),
    });
    this.core = new PusherCore({
      apps: this.apps, publisher: hub, activityTimeout: config.pusherActivityTimeout, pongTimeout: config.pusherPongTimeout,
      webhooks: this.webhooks, metrics, now: this.now, ...(options.admit ? { admit: options.admit } : {}),
    });
    this.unsubscribe = hub.subscribe((record) => {
      this.core.apply(record);
    });
    hub.provideSnapshot(() => this.core.snapshot());
    // A client frame carries at most one event's data plus its envelope; bigger frames close with 1009.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: maxPayload + API_BODY_SLACK, perMessageDeflate: false, clientTracking: false });
    this.timer = setInterval(() => {
      this.core.tick();
      this.core.cache.sweep(this.now());
    }, Math.min(1000, config.pusherPongTimeout * 500, config.pusherActivityTimeout * 500));
    this.timer.unref();
  }

  /** WebSocket connections open in this front process. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Takes a WebSocket upgrade for `/app/…`; false (socket untouched) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/app/') && url.pathname !== '/app') return false;
    if (this.closing) {
      socket.destroy();
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accept(ws, url);
    });
    return true;
  }

  private accept(ws: WebSocket, url: URL): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('error', () => undefined);
    const handshake = checkHandshake(url);
    if (typeof handshake !== 'string') {
      const [code, message] = handshake;
      this.metrics.error(code);
      ws.send(frames.error(code, message));
      ws.close(code, message);
      return;
    }
    const key = handshake;
    // Until this process has the others' subscriptions, presence lists would be short: hold the socket.
    ws.pause();
    void this.hub.ready.then(() => {
      if (ws.readyState !== ws.OPEN) return;
      ws.resume();
      const conn: PusherConnection | undefined = this.core.open(key, {
        send: (frame) => {
          ws.send(frame);
        },
        sendShared: (bytes) => {
          if (ws.bufferedAmount > MAX_BUFFERED) {
            if (conn) this.core.fail(conn, PusherCode.OVER_CAPACITY, 'Client is not reading fast enough', true);
            return;
          }
          ws.send(bytes, { binary: false });
        },
        close: (code, reason) => {
          ws.close(code, reason);
        },
      });
      if (conn) this.wire(ws, conn);
    });
  }

  private wire(ws: WebSocket, conn: PusherConnection): void {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.core.touch(conn);
        this.core.fail(conn, 4200, 'Binary frames are not supported');
        return;
      }
      this.core.message(conn, Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
    });
    ws.on('ping', () => {
      this.core.touch(conn);
    });
    ws.on('pong', () => {
      this.core.touch(conn);
    });
    ws.on('close', () => {
      this.core.closed(conn);
    });
  }

  /** Whether plain HTTP requests for this path are the Pusher HTTP API's. */
  claims(path: string): boolean {
    return path.startsWith('/apps/');
  }

  /** Serves `/apps/{id}/…`; false for any other path. Always answers JSON. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    // Every request of the pod passes here: decide on the raw target before parsing a URL.
    if (req.url === undefined || !this.claims(req.url)) return false;
    const url = new URL(req.url, 'http://x');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.maxBody) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooBig) {
        this.reply(res, 413, { error: `Body larger than ${this.maxBody} bytes` }, undefined);
        return;
      }
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k] ?? ''},${v}` : v;
      try {
        const out = handleApiRequest(this.core, { method: req.method ?? 'GET', path: url.pathname, query, body: Buffer.concat(chunks) }, Math.floor(this.now() / 1000), this.timestampWindow);
        this.reply(res, out.status, out.body, out.app);
      } catch (err) {
        this.reply(res, 500, { error: (err as Error).message }, undefined);
      }
    });
    req.on('error', () => {
      res.destroy();
    });
    return true;
  }

  private reply(res: ServerResponse, status: number, body: unknown, app: string | undefined): void {
    if (app !== undefined) this.metrics.httpRequest(app, status);
    if (status >= 400) this.metrics.error(status);
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /**
   * Closes every connection with 4200 (pusher-js reconnects at once, to a
   * process that is still up), flushes webhooks and detaches from the hub.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    this.core.shutdown();
    // Give clients a moment to answer the close frame (a client waits for it before reconnecting).
    const deadline = this.now() + 1000;
    while (this.sockets.size > 0 && this.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const ws of this.sockets) ws.terminate();
    this.unsubscribe();
    this.wss.close();
    await this.webhooks.close();
  }
}
