// Test harness for the real-time stack: one shared-memory file, N front
// processes (each a PusherService + SseService on its own node:http server on
// port 0, linked by an in-process FrontBus), and helpers to drive them with the
// official pusher-js and pusher clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PusherJsImport from 'pusher-js';
import type { Channel, Members, Options } from 'pusher-js';
import PusherServer from 'pusher';
import nacl from 'tweetnacl';
import { Registry } from 'prom-client';
import { broadcastRegions } from '../../sidecar/src/broadcast/broadcast-regions.js';
import type { BroadcastHub } from '../../sidecar/src/broadcast/broadcast-hub.js';
import { openBroadcastHub } from '../../sidecar/src/broadcast/open-broadcast-hub.js';
import { parseOptions } from '../../sidecar/src/config/parse-options.js';
import { pusherOptions } from '../../sidecar/src/config/pusher-options.js';
import { LocalFrontBus, type FrontBus } from '../../sidecar/src/ipc/front-bus.js';
import type { PusherApp, PusherConfig } from '../../sidecar/src/pusher/pusher-app.js';
import { PusherService } from '../../sidecar/src/pusher/pusher-service.js';
import { ShmRegion } from '../../sidecar/src/shm/shm-region.js';
import { SseService } from '../../sidecar/src/sse/sse-service.js';
import type { WebhookPost } from '../../sidecar/src/pusher/webhook-sender.js';

// pusher-js is CommonJS whose module.exports is the class; TypeScript types the default import as the module.
type PusherJsClass = typeof PusherJsImport.default;
const PusherJs = ((PusherJsImport as unknown as { default?: PusherJsClass }).default ?? PusherJsImport) as unknown as PusherJsClass;

export const APP = { id: 'app-1', key: 'key-1', secret: 'secret-1' } as const;

/** A FrontBus linking in-process "front processes": publish reaches every other member. */
export class LinkedBus implements FrontBus {
  readonly procIndex: number;
  readonly procs: number;
  readonly local = new LocalFrontBus();
  peers: LinkedBus[] = [];

  constructor(procIndex: number, procs: number) {
    this.procIndex = procIndex;
    this.procs = procs;
  }

  publish(topic: string, payload: unknown): void {
    // Across processes this is a socket write; deliver on a later turn, as IPC would.
    for (const p of this.peers) {
      if (p !== this) setImmediate(() => { p.local.deliver(topic, payload, this.procIndex); });
    }
  }

  subscribe(topic: string, handler: (payload: unknown, fromProc: number) => void): () => void {
    return this.local.subscribe(topic, handler);
  }
}

export interface Front {
  readonly index: number;
  readonly port: number;
  readonly server: Server;
  readonly hub: BroadcastHub;
  readonly pusher: PusherService;
  readonly sse: SseService;
  readonly registry: Registry;
}

export interface Stack {
  readonly fronts: Front[];
  readonly shm: ShmRegion;
  readonly config: PusherConfig;
  close(): Promise<void>;
}

/** Parses real-time flags as `askr serve` would. */
export function pusherConfig(argv: string[] = []): PusherConfig {
  return parseOptions(pusherOptions, ['--pusher', ...argv], {}).config;
}

export interface StackOptions {
  procs?: number;
  argv?: string[];
  apps?: Partial<PusherApp>[];
  webhookPost?: WebhookPost;
}

/** Starts `procs` front processes over one shared-memory file; `close()` stops them and removes the file. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const procs = options.procs ?? 1;
  const config = pusherConfig(options.argv ?? []);
  const dir = mkdtempSync(join(tmpdir(), 'askr-pusher-'));
  const shm = ShmRegion.open({ path: join(dir, 'askr.shm'), regions: broadcastRegions(config), stamp: 'pusher-test', mode: 'create' });
  const base: PusherApp = {
    id: APP.id, key: APP.key, secret: APP.secret, enabled: true, clientEvents: config.pusherClientEvents, clientEventRate: config.pusherClientEventRate,
    maxPayload: config.pusherMaxPayload, maxConnections: config.pusherMaxConnections, maxChannelsPerConnection: config.pusherMaxChannelsPerConnection,
    maxPresenceMembers: config.pusherMaxPresenceMembers, maxUserInfo: config.pusherMaxUserInfo, cacheTtl: config.pusherCacheTtl,
    subscriptionCount: config.pusherSubscriptionCount, userAuthTimeout: config.pusherUserAuthTimeout, webhooks: [],
  };
  const apps = (options.apps ?? [{}]).map((a) => ({ ...base, ...a }));
  const buses = Array.from({ length: procs }, (_, i) => new LinkedBus(i, procs));
  for (const b of buses) b.peers = buses;
  const fronts: Front[] = [];
  for (const bus of buses) {
    const registry = new Registry();
    const hub = openBroadcastHub(shm, config, bus);
    const pusher = new PusherService({ config, hub, registry, apps, log: () => undefined, ...(options.webhookPost ? { webhookPost: options.webhookPost } : {}) });
    const sse = new SseService({ hub, apps, keepalive: config.sseKeepalive, registry });
    const server = createServer((req, res) => {
      if (pusher.handleRequest(req, res) || sse.handleRequest(req, res)) return;
      res.writeHead(404).end();
    });
    server.on('upgrade', (req, socket, head) => {
      if (!pusher.handleUpgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fronts.push({ index: bus.procIndex, port: (server.address() as AddressInfo).port, server, hub, pusher, sse, registry });
  }
  return {
    fronts,
    shm,
    config,
    async close() {
      // Clients that just called disconnect() wait for the server's close reply; let it go out.
      const deadline = Date.now() + 2000;
      while (fronts.some((f) => f.pusher.core.connections.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      for (const f of fronts) {
        await f.pusher.close();
        await f.sse.close();
        f.hub.close();
        f.server.closeAllConnections();
        await new Promise<void>((resolve) => f.server.close(() => { resolve(); }));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pusher-js options that point it at one front process, signing auth locally with the app secret. */
export function clientOptions(port: number, extra: Partial<Options> = {}, secret: string = APP.secret): Options {
  return {
    cluster: 'askr',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    // Auth is signed by the official server SDK, as a Laravel or Node auth endpoint would.
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: (params, callback) => {
        const { socketId, channelName } = params;
        const user = presenceUser.get(socketId) ?? 'anon';
        const signed = channelName.startsWith('presence-')
          ? signer(secret).authorizeChannel(socketId, channelName, { user_id: user, user_info: { name: `user ${user}` } })
          : signer(secret).authorizeChannel(socketId, channelName);
        callback(null, signed);
      },
    },
    userAuthentication: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: (params, callback) => {
        const watchlist = signinWatchlist.get(params.socketId);
        callback(null, signer(secret).authenticateUser(params.socketId, { id: signinUser.get(params.socketId) ?? 'u1', user_info: {}, ...(watchlist ? { watchlist } : {}) }));
      },
    },
    ...extra,
  };
}

/** Master key for encrypted channels (32 bytes, base64), shared by the SDK that triggers and the one that authorizes. */
export const ENCRYPTION_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

function signer(secret: string): PusherServer {
  return new PusherServer({ appId: APP.id, key: APP.key, secret, host: '127.0.0.1', encryptionMasterKeyBase64: ENCRYPTION_MASTER_KEY });
}

/** Which presence user id / sign-in id a socket's auth handler signs (set by `connect`). */
const presenceUser = new Map<string, string>();
const signinUser = new Map<string, string>();
const signinWatchlist = new Map<string, string[]>();

export type PusherClient = InstanceType<typeof PusherJs>;

/** A connected pusher-js client; resolves once `connected` with its socket id. */
export async function connect(port: number, opts: { user?: string; watchlist?: string[]; extra?: Partial<Options>; secret?: string; encrypted?: boolean } = {}): Promise<PusherClient> {
  // Encrypted channels need a NaCl implementation; pusher-js's Node build takes it as an option.
  const extra = opts.encrypted ? { ...opts.extra, nacl } : opts.extra;
  const client = new PusherJs(APP.key, clientOptions(port, extra, opts.secret));
  await until(() => client.connection.state === 'connected', 'pusher-js connected');
  if (opts.user !== undefined) {
    presenceUser.set(client.connection.socket_id, opts.user);
    signinUser.set(client.connection.socket_id, opts.user);
  }
  if (opts.watchlist) signinWatchlist.set(client.connection.socket_id, opts.watchlist);
  return client;
}

/** Subscribes and waits for `pusher:subscription_succeeded` (rejects on a subscription error). */
export function subscribed(client: PusherClient, name: string): Promise<Channel> {
  const channel = client.subscribe(name);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`subscribe ${name}: timed out`)); }, 5000);
    channel.bind('pusher:subscription_succeeded', () => { clearTimeout(timer); resolve(channel); });
    channel.bind('pusher:subscription_error', (err: unknown) => { clearTimeout(timer); reject(new Error(`subscribe ${name}: ${JSON.stringify(err)}`)); });
  });
}

/** A presence channel as pusher-js exposes it (its class is not exported as a value). */
export interface PresenceView {
  readonly members: Members;
  bind(event: string, callback: (...args: never[]) => void): unknown;
  unbind(event: string, callback?: (...args: never[]) => void): unknown;
  trigger(event: string, data: unknown): boolean;
}

/** Views a subscribed presence channel through its presence API. */
export function asPresence(channel: Channel): PresenceView {
  return channel as unknown as PresenceView;
}

/** Waits for one event on a channel (or the connection when no channel), with a deadline. */
export function nextEvent<T = unknown>(target: { bind(event: string, cb: (data: T) => void): unknown; unbind(event: string, cb: (data: T) => void): unknown }, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const cb = (data: T): void => {
      clearTimeout(timer);
      target.unbind(event, cb);
      resolve(data);
    };
    const timer = setTimeout(() => {
      target.unbind(event, cb);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    target.bind(event, cb);
  });
}

/** Polls a condition until it holds, failing after a deadline. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The official Node server SDK, pointed at one front process. */
export function serverSdk(port: number, secret: string = APP.secret): PusherServer {
  return new PusherServer({ appId: APP.id, key: APP.key, secret, host: '127.0.0.1', port: String(port), useTLS: false, encryptionMasterKeyBase64: ENCRYPTION_MASTER_KEY });
}

/** Disconnects clients, ignoring ones already gone. */
export function disconnectAll(clients: PusherClient[]): void {
  for (const c of clients) c.disconnect();
}

/** A raw WebSocket for what pusher-js cannot send (malformed frames, silence); collects parsed frames. */
export interface RawSocket {
  readonly ws: import('ws').WebSocket;
  readonly frames: { event: string; channel?: string; data?: unknown }[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Waits for the first frame (from index `from`) with this event name. */
  next(event: string, from?: number): Promise<{ event: string; channel?: string; data?: unknown }>;
  send(value: unknown): void;
}

export async function rawSocket(port: number, path = `/app/${APP.key}?protocol=7&client=js&version=8.6.0&flash=false`): Promise<RawSocket> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
  const frames: RawSocket['frames'] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    try {
      frames.push(JSON.parse(data.toString('utf8')) as RawSocket['frames'][number]);
    } catch {
      frames.push({ event: '<non-json>', data: data.toString('utf8') });
    }
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }); });
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve(); });
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    closed,
    send: (value) => { ws.send(typeof value === 'string' ? value : JSON.stringify(value)); },
    next: (event, from = 0) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const f = frames.slice(from).find((x) => x.event === event);
          if (!f) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(f);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${event} frame within 5 s (got ${frames.map((x) => x.event).join(', ')})`));
        }, 5000);
        if (!check()) waiters.add(check);
      }),
  };
}

/** Parses a frame's `data`, which Pusher sends as a JSON string for most events. */
export function dataOf(frame: { data?: unknown }): Record<string, unknown> {
  return (typeof frame.data === 'string' ? JSON.parse(frame.data) : frame.data) as Record<string, unknown>;
}
