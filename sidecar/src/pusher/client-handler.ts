import { allowsClientEvents, channelType, MAX_WATCHLIST, needsAuth, ONLINE_CHANNEL, serverToUserId, validChannelName } from './channel-name.js';
import { parseChannelData, parseClientMessage, parseUserData, type ClientMessage } from './message-parser.js';
import { channelAuthString, signinAuthString, verifyAuth } from './pusher-auth.js';
import { PusherCode, SubscriptionErrorType } from './pusher-codes.js';
import type { PusherConnection } from './pusher-connection.js';
import type { PusherCore } from './pusher-core.js';
import { frames } from './pusher-frames.js';

/** Longest presence user id (Pusher: 128 characters). */
export const MAX_USER_ID = 128;
/** Longest client event name (Pusher: 200 characters). */
export const MAX_EVENT_NAME = 200;

type Subscribe = Extract<ClientMessage, { kind: 'subscribe' }>;

/**
 * What a client may ask for, and the answers: subscriptions (auth, limits,
 * presence data), client events (app switch, channel type, membership, size,
 * rate) and sign-in. State changes are published to the ring; the answer to a
 * subscription is sent when its record comes back (`settle`), so the presence
 * member list is exactly the pod's state at that point.
 */
export class ClientHandler {
  private readonly core: PusherCore;

  constructor(core: PusherCore) {
    this.core = core;
  }

  handle(conn: PusherConnection, text: string): void {
    const msg = parseClientMessage(text);
    switch (msg.kind) {
      case 'ping':
        conn.send(frames.pong());
        return;
      case 'pong':
        return;
      case 'subscribe':
        this.subscribe(conn, msg);
        return;
      case 'unsubscribe':
        this.unsubscribe(conn, msg.channel);
        return;
      case 'signin':
        this.signin(conn, msg.auth, msg.userData);
        return;
      case 'client-event':
        this.clientEvent(conn, msg.event, msg.channel, msg.data);
        return;
      case 'invalid':
        // Reported but never fatal: the socket stays open (WS-08).
        this.core.metrics.error(0);
        conn.send(frames.error(null, msg.reason));
        return;
      case 'unknown':
        return;
    }
  }

  private refuse(conn: PusherConnection, channel: string, type: string, error: string, status: number): void {
    this.core.metrics.error(status);
    conn.send(frames.subscriptionError(channel, type, error, status));
  }

  private subscribe(conn: PusherConnection, msg: Subscribe): void {
    const { channel } = msg;
    const app = conn.app;
    if (!validChannelName(channel)) {
      this.refuse(conn, channel.slice(0, 200), SubscriptionErrorType.InvalidChannel, 'Invalid channel name (at most 164 characters of [-a-zA-Z0-9_=@,.;])', 400);
      return;
    }
    if (conn.pending.has(channel)) return;
    if (conn.channels.has(channel)) {
      // Idempotent: confirm again, and no second member_added (CH-04).
      this.confirm(conn, channel, false);
      return;
    }
    if (conn.channelCount >= app.maxChannelsPerConnection) {
      this.refuse(conn, channel, SubscriptionErrorType.LimitReached, `At most ${app.maxChannelsPerConnection} channels per connection`, 400);
      return;
    }
    const type = channelType(channel);
    const owner = serverToUserId(channel);
    if (owner !== undefined && conn.userId !== owner) {
      this.refuse(conn, channel, SubscriptionErrorType.AuthError, 'Only the signed-in user may subscribe to its server-to-user channel', 403);
      return;
    }
    let user: string | undefined;
    let info: unknown;
    if (needsAuth(type)) {
      const signed = channelAuthString(conn.socketId, channel, type.kind === 'presence' ? msg.channelData : undefined);
      if (!verifyAuth(msg.auth, app.key, app.secret, signed)) {
        this.refuse(conn, channel, SubscriptionErrorType.AuthError, 'Invalid signature: auth must be key:HMAC-SHA256(secret, socket_id:channel[:channel_data])', 401);
        return;
      }
    }
    if (type.kind === 'presence') {
      const member = parseChannelData(msg.channelData);
      if (!member) {
        this.refuse(conn, channel, SubscriptionErrorType.InvalidData, 'channel_data must be JSON with a user_id', 400);
        return;
      }
      if (member.userId.length > MAX_USER_ID) {
        this.refuse(conn, channel, SubscriptionErrorType.LimitReached, `user_id is longer than ${MAX_USER_ID} characters`, 400);
        return;
      }
      if (member.userInfo !== undefined && Buffer.byteLength(JSON.stringify(member.userInfo)) > app.maxUserInfo) {
        this.refuse(conn, channel, SubscriptionErrorType.LimitReached, `user_info is larger than ${app.maxUserInfo} bytes`, 400);
        return;
      }
      user = member.userId;
      info = member.userInfo;
    }
    conn.pending.set(channel, user);
    this.core.publisher.publish(user === undefined ? { t: 'sub', app: app.id, channel, socket: conn.socketId } : { t: 'sub', app: app.id, channel, socket: conn.socketId, user, info });
  }

  /** The connection's `sub` record was applied: confirm it, or refuse it (presence member limit). */
  settle(conn: PusherConnection, channel: string, joined: boolean): void {
    const user = conn.pending.get(channel);
    conn.pending.delete(channel);
    if (!joined) {
      this.refuse(conn, channel, SubscriptionErrorType.LimitReached, `Presence channel is full (${conn.app.maxPresenceMembers} members)`, 403);
      return;
    }
    conn.channels.set(channel, user);
    this.core.addLocal(conn, channel);
    this.confirm(conn, channel, true);
  }

  private confirm(conn: PusherConnection, channel: string, first: boolean): void {
    const type = channelType(channel);
    if (type.kind !== 'public') conn.authorized = true;
    if (type.kind === 'presence') {
      const members = this.core.replica.members(conn.app.id, channel);
      const hash: Record<string, unknown> = {};
      for (const m of members) hash[m.id] = m.info ?? null;
      conn.send(frames.subscriptionSucceeded(channel, { ids: members.map((m) => m.id), hash, count: members.length }));
    } else {
      conn.send(frames.subscriptionSucceeded(channel));
    }
    if (!first || !type.cache) return;
    const cached = this.core.cache.get(conn.app.id, channel, this.core.now());
    if (cached) conn.send(frames.event(cached.event, channel, cached.data));
    else {
      conn.send(frames.cacheMiss(channel));
      this.core.webhooks?.emit(conn.app.id, { name: 'cache_miss', channel });
    }
  }

  private unsubscribe(conn: PusherConnection, channel: string): void {
    const known = conn.channels.has(channel) || conn.pending.has(channel);
    if (!known) return;
    conn.channels.delete(channel);
    conn.pending.delete(channel);
    this.core.removeLocal(conn, channel);
    this.core.publisher.publish({ t: 'unsub', app: conn.app.id, socket: conn.socketId, channels: [channel] });
  }

  /** Why a client event is refused, as a Pusher code and message; undefined when it may go out. */
  private clientEventRefusal(conn: PusherConnection, event: string, channel: string, encoded: string): [number, string] | undefined {
    const app = conn.app;
    if (!app.clientEvents) return [PusherCode.CLIENT_EVENT_REJECTED, 'Client events are not enabled for this app'];
    if (!allowsClientEvents(channelType(channel))) return [PusherCode.CLIENT_EVENT_REJECTED, 'Client events are only allowed on private and presence channels'];
    if (!conn.channels.has(channel)) return [PusherCode.UNAUTHORIZED, `Client event rejected: not subscribed to ${channel.slice(0, 164)}`];
    if (event.length > MAX_EVENT_NAME) return [PusherCode.CLIENT_EVENT_REJECTED, `Event name longer than ${MAX_EVENT_NAME} characters`];
    if (Buffer.byteLength(encoded) > app.maxPayload) return [PusherCode.CLIENT_EVENT_REJECTED, `Event data larger than ${app.maxPayload} bytes`];
    // Counted last, so refused events do not use up the allowance.
    if (!conn.clientEvents.take(this.core.now())) return [PusherCode.CLIENT_EVENT_REJECTED, `Client event rate limit reached (${app.clientEventRate}/s)`];
    return undefined;
  }

  private clientEvent(conn: PusherConnection, event: string, channel: string, data: unknown): void {
    const app = conn.app;
    const encoded = typeof data === 'string' ? data : JSON.stringify(data ?? null);
    const refusal = this.clientEventRefusal(conn, event, channel, encoded);
    if (refusal) {
      // Error only, no close: a 43xx close would stop pusher-js from reconnecting.
      this.core.fail(conn, refusal[0], refusal[1]);
      return;
    }
    const user = conn.channels.get(channel);
    this.core.publisher.publish({ t: 'event', app: app.id, channels: [channel], event, data, except: conn.socketId, client: true, ...(user !== undefined ? { user } : {}) });
    this.core.webhooks?.emit(app.id, {
      name: 'client_event', channel, event, data: encoded, socket_id: conn.socketId, ...(user !== undefined ? { user_id: user } : {}),
    });
  }

  private signin(conn: PusherConnection, auth: string, userData: string): void {
    const app = conn.app;
    const user = parseUserData(userData);
    if (!user || !verifyAuth(auth, app.key, app.secret, signinAuthString(conn.socketId, userData))) {
      this.core.fail(conn, PusherCode.UNAUTHORIZED, 'Invalid sign-in: auth must sign socket_id::user::user_data and user_data needs a string id', true);
      return;
    }
    const tooLong = user.watchlist.length > MAX_WATCHLIST;
    if (tooLong) {
      // Signed in all the same, without a watchlist (the error does not close the connection).
      this.core.fail(conn, PusherCode.WATCHLIST_LIMIT, `Watchlist limit exceeded: at most ${MAX_WATCHLIST} user ids`);
    }
    const previous = conn.userId;
    conn.userId = user.id;
    conn.authorized = true;
    this.core.watch(conn, new Set(tooLong ? [] : user.watchlist));
    conn.send(frames.signinSuccess(userData));
    if (conn.watchlist.size > 0) {
      const online: string[] = [];
      const offline: string[] = [];
      for (const id of conn.watchlist) (this.core.isOnline(app.id, id) ? online : offline).push(id);
      conn.send(frames.watchlistEvents([{ name: 'online', user_ids: online }, { name: 'offline', user_ids: offline }]));
    }
    if (previous === user.id) return;
    if (previous !== undefined) this.core.publisher.publish({ t: 'unsub', app: app.id, socket: conn.socketId, channels: [ONLINE_CHANNEL] });
    this.core.publisher.publish({ t: 'sub', app: app.id, channel: ONLINE_CHANNEL, socket: conn.socketId, user: user.id });
  }
}
