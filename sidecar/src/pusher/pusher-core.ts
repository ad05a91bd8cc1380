import type { RecordBody, RingRecord } from '../broadcast/ring-record.js';
import { channelType, ONLINE_CHANNEL } from './channel-name.js';
import { ChannelReplica, type Transition } from './channel-replica.js';
import { ClientHandler } from './client-handler.js';
import { LastEventCache } from './last-event-cache.js';
import { PusherCode } from './pusher-codes.js';
import { PusherConnection, type ConnectionSink } from './pusher-connection.js';
import type { AppRegistry, PusherApp } from './pusher-app.js';
import { frames } from './pusher-frames.js';
import { noMetrics, type PusherMetricsSink } from './pusher-metrics.js';
import type { WebhookSink } from './webhook-event.js';

/** Appends records to the ring; the hub applies them in order (to this core too). */
export interface RecordPublisher {
  readonly origin: string;
  publish(body: RecordBody): number;
}

export interface PusherCoreOptions {
  readonly apps: AppRegistry;
  readonly publisher: RecordPublisher;
  /** Seconds, sent to clients as activity_timeout. */
  readonly activityTimeout: number;
  /** Seconds a client has to answer the server's ping. */
  readonly pongTimeout: number;
  readonly webhooks?: WebhookSink;
  readonly metrics?: PusherMetricsSink;
  /** Connections an app may hold in the pod; returns false at the limit. */
  readonly admit?: (app: PusherApp, delta: 1 | -1) => boolean;
  readonly now?: () => number;
}

/** Largest snapshot part, in subscriptions (keeps records well under the ring's record limit). */
const SNAP_PART = 500;

/**
 * The Pusher server without sockets: connections are sinks, state changes go
 * through the ring, and `apply` turns ring records into frames for local
 * sockets. Every decision is here; `PusherService` only moves bytes.
 */
export class PusherCore {
  readonly apps: AppRegistry;
  readonly replica: ChannelReplica;
  readonly cache = new LastEventCache();
  readonly metrics: PusherMetricsSink;
  readonly webhooks: WebhookSink | undefined;
  readonly publisher: RecordPublisher;
  readonly activityTimeout: number;
  readonly pongTimeout: number;
  readonly now: () => number;
  /** Local connections by socket id. */
  readonly connections = new Map<string, PusherConnection>();
  /** Local subscribers: app id → channel → connections. */
  readonly subscribers = new Map<string, Map<string, Set<PusherConnection>>>();
  private readonly client: ClientHandler;
  private readonly admit: (app: PusherApp, delta: 1 | -1) => boolean;
  private readonly localCounts = new Map<string, number>();
  private snapCounter = 0;

  constructor(options: PusherCoreOptions) {
    this.apps = options.apps;
    this.publisher = options.publisher;
    this.activityTimeout = options.activityTimeout;
    this.pongTimeout = options.pongTimeout;
    this.webhooks = options.webhooks;
    this.metrics = options.metrics ?? noMetrics;
    this.now = options.now ?? Date.now;
    this.admit = options.admit ?? ((app, delta) => this.admitLocal(app, delta));
    this.replica = new ChannelReplica((appId) => this.apps.findById(appId)?.maxPresenceMembers ?? 100);
    this.client = new ClientHandler(this);
  }

  private admitLocal(app: PusherApp, delta: 1 | -1): boolean {
    const n = this.localCounts.get(app.id) ?? 0;
    if (delta === 1 && app.maxConnections > 0 && n >= app.maxConnections) return false;
    this.localCounts.set(app.id, n + delta);
    return true;
  }

  /**
   * Opens a connection for `/app/{key}`: on success sends
   * `pusher:connection_established`; otherwise sends `pusher:error` with 4001
   * (unknown key), 4003 (disabled) or 4004 (over quota) and closes.
   */
  open(appKey: string, sink: ConnectionSink): PusherConnection | undefined {
    const app = this.apps.findByKey(appKey);
    const refusal: [number, string] | undefined = !app
      ? [PusherCode.APP_NOT_FOUND, `App key ${appKey.slice(0, 64)} does not exist`]
      : !app.enabled
        ? [PusherCode.APP_DISABLED, 'App is disabled']
        : !this.admit(app, 1)
          ? [PusherCode.OVER_CONNECTION_QUOTA, 'Over connection quota']
          : undefined;
    if (!app || refusal) {
      const [code, message] = refusal ?? [PusherCode.APP_NOT_FOUND, 'App not found'];
      this.metrics.error(code);
      sink.send(frames.error(code, message));
      sink.close(code, message);
      return undefined;
    }
    const conn = new PusherConnection(app, sink, this.now());
    this.connections.set(conn.socketId, conn);
    this.metrics.connectionOpened(app.id);
    conn.send(frames.connectionEstablished(conn.socketId, this.activityTimeout));
    return conn;
  }

  /** Handles one text frame from a client. */
  message(conn: PusherConnection, text: string): void {
    if (conn.closed) return;
    this.touch(conn);
    this.metrics.messageIn(conn.app.id);
    this.client.handle(conn, text);
  }

  /** Any frame (including WebSocket control frames) proves the client alive. */
  touch(conn: PusherConnection): void {
    conn.lastActivity = this.now();
    conn.pingSentAt = 0;
  }

  /** The socket is gone: leave every channel (presence and webhook effects follow from the ring). */
  closed(conn: PusherConnection): void {
    if (!this.connections.delete(conn.socketId)) return;
    conn.closed = true;
    const channels = [...conn.channels.keys(), ...conn.pending.keys(), ...(conn.userId !== undefined ? [ONLINE_CHANNEL] : [])];
    this.watch(conn, new Set());
    for (const channel of conn.channels.keys()) this.removeLocal(conn, channel);
    conn.channels.clear();
    conn.pending.clear();
    this.admit(conn.app, -1);
    this.metrics.connectionClosed(conn.app.id);
    if (channels.length > 0) this.publisher.publish({ t: 'unsub', app: conn.app.id, socket: conn.socketId, channels });
  }

  /** Sends `pusher:error`, counts it, and closes when `close` is set (pusher-js decides reconnects by the code). */
  fail(conn: PusherConnection, code: number, message: string, close = false): void {
    this.metrics.error(code);
    conn.send(frames.error(code, message));
    if (close) conn.close(code, message);
  }

  /**
   * Pings idle connections and closes those that did not answer (4201), and
   * those that never authorized within the app's user-auth timeout (4009).
   */
  tick(): void {
    const now = this.now();
    for (const conn of this.connections.values()) {
      if (conn.pingSentAt !== 0) {
        if (now - conn.pingSentAt > this.pongTimeout * 1000) this.fail(conn, PusherCode.PONG_NOT_RECEIVED, 'Pong reply not received', true);
      } else if (now - conn.lastActivity > this.activityTimeout * 1000) {
        conn.pingSentAt = now;
        conn.send(frames.ping());
      }
      if (!conn.closed && !conn.authorized && conn.app.userAuthTimeout > 0 && now - conn.openedAt > conn.app.userAuthTimeout * 1000) {
        this.fail(conn, PusherCode.UNAUTHORIZED, 'Connection not authorized within timeout', true);
      }
    }
  }

  /** Applies a ring record: fan-out of events, presence frames, terminations, webhooks. */
  apply(record: RingRecord): void {
    switch (record.t) {
      case 'event':
        this.deliver(record.app, record.channels, record.event, record.data, record.except, record.user, record.client === true);
        return;
      case 'terminate':
        for (const conn of [...this.connections.values()]) {
          if (conn.app.id === record.app && conn.userId === record.user) this.fail(conn, PusherCode.UNAUTHORIZED, 'You got disconnected by the app.', true);
        }
        return;
      default: {
        const mine = record.o === this.publisher.origin;
        for (const t of this.replica.apply(record)) this.transition(t, mine);
      }
    }
  }

  private deliver(appId: string, channels: readonly string[], event: string, data: unknown, except: string | undefined, user: string | undefined, client: boolean): void {
    const byChannel = this.subscribers.get(appId);
    const app = this.apps.findById(appId);
    let sent = 0;
    for (const channel of channels) {
      if (!client && app && channelType(channel).cache) this.cache.set(appId, channel, { event, data }, this.now() + app.cacheTtl * 1000);
      const subs = byChannel?.get(channel);
      if (!subs || subs.size === 0) continue;
      const bytes = Buffer.from(frames.event(event, channel, data, user), 'utf8');
      for (const conn of subs) {
        if (conn.socketId === except || conn.closed) continue;
        if (conn.sink.sendShared) conn.sink.sendShared(bytes);
        else conn.sink.send(bytes.toString('utf8'));
        sent++;
      }
    }
    if (sent > 0) this.metrics.messagesOut(appId, sent);
  }

  /** Whether a user has a signed-in connection anywhere the replica sees (this pod, and peers). */
  isOnline(app: string, userId: string): boolean {
    return this.replica.hasMember(app, ONLINE_CHANNEL, userId);
  }

  /** Local connections by the user ids they watch, per app. */
  private readonly watchers = new Map<string, Map<string, Set<PusherConnection>>>();

  /** Replaces a connection's watchlist (sign-in) in the index; an empty list removes it (close). */
  watch(conn: PusherConnection, watchlist: ReadonlySet<string>): void {
    let byUser = this.watchers.get(conn.app.id);
    for (const id of conn.watchlist) {
      const set = byUser?.get(id);
      set?.delete(conn);
      if (set?.size === 0) byUser?.delete(id);
    }
    conn.watchlist = watchlist;
    if (watchlist.size === 0) return;
    if (!byUser) this.watchers.set(conn.app.id, (byUser = new Map<string, Set<PusherConnection>>()));
    for (const id of watchlist) {
      let set = byUser.get(id);
      if (!set) byUser.set(id, (set = new Set()));
      set.add(conn);
    }
  }

  /** A user came online or went offline: tell the local connections watching it. */
  private watchlistChange(app: string, userId: string, name: 'online' | 'offline'): void {
    const set = this.watchers.get(app)?.get(userId);
    if (!set || set.size === 0) return;
    const frame = frames.watchlistEvents([{ name, user_ids: [userId] }]);
    for (const conn of set) if (!conn.closed) conn.send(frame);
  }

  private transition(t: Transition, mine: boolean): void {
    if (t.channel === ONLINE_CHANNEL) {
      // Internal: no subscribers, no webhooks; membership changes are watchlist events.
      if (t.kind === 'member_added' || t.kind === 'member_removed') this.watchlistChange(t.app, t.userId, t.kind === 'member_added' ? 'online' : 'offline');
      return;
    }
    switch (t.kind) {
      case 'joined':
      case 'rejected': {
        const conn = this.connections.get(t.socket);
        if (conn?.pending.has(t.channel)) this.client.settle(conn, t.channel, t.kind === 'joined');
        return;
      }
      case 'member_added':
        this.toSubscribers(t.app, t.channel, frames.memberAdded(t.channel, t.userId, t.info), t.socket);
        if (mine) this.webhooks?.emit(t.app, { name: 'member_added', channel: t.channel, user_id: t.userId });
        return;
      case 'member_removed':
        this.toSubscribers(t.app, t.channel, frames.memberRemoved(t.channel, t.userId));
        if (mine) this.webhooks?.emit(t.app, { name: 'member_removed', channel: t.channel, user_id: t.userId });
        return;
      case 'occupied':
      case 'vacated':
        if (mine) this.webhooks?.emit(t.app, { name: t.kind === 'occupied' ? 'channel_occupied' : 'channel_vacated', channel: t.channel });
        return;
      case 'count':
        if (this.apps.findById(t.app)?.subscriptionCount && channelType(t.channel).kind !== 'presence') {
          this.toSubscribers(t.app, t.channel, frames.subscriptionCount(t.channel, t.count));
        }
        return;
    }
  }

  /** Sends one frame to the local subscribers of a channel, except one socket. */
  toSubscribers(appId: string, channel: string, frame: string, except?: string): void {
    const subs = this.subscribers.get(appId)?.get(channel);
    if (!subs) return;
    let sent = 0;
    for (const conn of subs) {
      if (conn.socketId === except) continue;
      conn.send(frame);
      sent++;
    }
    if (sent > 0) this.metrics.messagesOut(appId, sent);
  }

  /** Adds a confirmed subscriber to the local fan-out table. */
  addLocal(conn: PusherConnection, channel: string): void {
    let byChannel = this.subscribers.get(conn.app.id);
    if (!byChannel) this.subscribers.set(conn.app.id, (byChannel = new Map<string, Set<PusherConnection>>()));
    let set = byChannel.get(channel);
    if (!set) byChannel.set(channel, (set = new Set()));
    set.add(conn);
  }

  /** Removes a subscriber from the local fan-out table. */
  removeLocal(conn: PusherConnection, channel: string): void {
    const byChannel = this.subscribers.get(conn.app.id);
    const set = byChannel?.get(channel);
    if (!byChannel || !set) return;
    set.delete(conn);
    if (set.size === 0) byChannel.delete(channel);
    if (byChannel.size === 0) this.subscribers.delete(conn.app.id);
  }

  /** This process's subscriptions as snapshot records (answering another process's sync request). */
  snapshot(): RecordBody[] {
    const subs = this.replica.subsOf(this.publisher.origin);
    const id = `${this.publisher.origin}#${++this.snapCounter}`;
    const parts: RecordBody[] = [];
    for (let i = 0; i === 0 || i < subs.length; i += SNAP_PART) {
      parts.push({ t: 'snap', id, subs: subs.slice(i, i + SNAP_PART), last: i + SNAP_PART >= subs.length });
    }
    return parts;
  }

  /** Local occupied channel counts per app (for the channels gauge). */
  localChannelCounts(): Map<string, number> {
    return new Map([...this.subscribers].map(([app, channels]) => [app, channels.size]));
  }

  /** Closes every connection with 4200 (reconnect now: another process or pod will take it). */
  shutdown(): void {
    for (const conn of [...this.connections.values()]) {
      this.fail(conn, PusherCode.RECONNECT, 'Server is shutting down; reconnect', true);
      this.closed(conn);
    }
  }
}
