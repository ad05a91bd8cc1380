import type { RingRecord, SnapSub } from '../broadcast/ring-record.js';
import { ONLINE_CHANNEL } from './channel-name.js';

/** A change the replica derived from a record; every process derives the same ones. */
export type Transition =
  | { readonly kind: 'joined'; readonly app: string; readonly channel: string; readonly socket: string }
  | { readonly kind: 'rejected'; readonly app: string; readonly channel: string; readonly socket: string }
  | { readonly kind: 'occupied'; readonly app: string; readonly channel: string }
  | { readonly kind: 'vacated'; readonly app: string; readonly channel: string }
  | { readonly kind: 'member_added'; readonly app: string; readonly channel: string; readonly userId: string; readonly info: unknown; readonly socket: string }
  | { readonly kind: 'member_removed'; readonly app: string; readonly channel: string; readonly userId: string }
  | { readonly kind: 'count'; readonly app: string; readonly channel: string; readonly count: number };

interface SocketEntry {
  readonly origin: string;
  readonly user: string | undefined;
}

interface MemberEntry {
  info: unknown;
  sockets: number;
}

interface ChannelEntry {
  readonly sockets: Map<string, SocketEntry>;
  readonly members: Map<string, MemberEntry>;
}

/** A channel as the HTTP API reports it. */
export interface ChannelInfo {
  readonly name: string;
  readonly subscriptionCount: number;
  /** Distinct users; 0 for non-presence channels. */
  readonly userCount: number;
}

const key = (app: string, channel: string, socket: string): string => `${app}\n${channel}\n${socket}`;

/**
 * Every subscription in the pod (and, with a peer forwarder, the app), rebuilt
 * from ring records alone. Applying the same records in the same order gives
 * every process the same state and the same transitions, so presence events,
 * the member limit and webhooks agree without any other coordination. `sub` and
 * `unsub` are idempotent; a snapshot replaces one origin's subscriptions.
 */
export class ChannelReplica {
  private readonly apps = new Map<string, Map<string, ChannelEntry>>();
  private readonly byOrigin = new Map<string, Set<string>>();
  private readonly snapshots = new Map<string, SnapSub[]>();
  private readonly memberLimit: (app: string) => number;

  /** @param memberLimit distinct users allowed per presence channel of an app. */
  constructor(memberLimit: (app: string) => number) {
    this.memberLimit = memberLimit;
  }

  /** Applies one record and returns what changed. Records it does not track give []. */
  apply(record: RingRecord): Transition[] {
    const out: Transition[] = [];
    switch (record.t) {
      case 'sub':
        this.add(record.o, record, true, out);
        break;
      case 'unsub':
        for (const channel of record.channels) this.remove(record.app, channel, record.socket, out);
        break;
      case 'gone':
        this.dropOrigin(record.origin, new Set(), out);
        break;
      case 'snap': {
        const parts = this.snapshots.get(record.id) ?? [];
        parts.push(...record.subs);
        if (!record.last) {
          this.snapshots.set(record.id, parts);
          break;
        }
        this.snapshots.delete(record.id);
        const keep = new Set(parts.map((s) => key(s.app, s.channel, s.socket)));
        this.dropOrigin(record.o, keep, out);
        for (const s of parts) this.add(record.o, s, false, out);
        break;
      }
      default:
        break;
    }
    return out;
  }

  private add(origin: string, s: SnapSub, fromSub: boolean, out: Transition[]): void {
    let channels = this.apps.get(s.app);
    const existing = channels?.get(s.channel)?.sockets.get(s.socket);
    if (existing) {
      if (fromSub) out.push({ kind: 'joined', app: s.app, channel: s.channel, socket: s.socket });
      return;
    }
    const entry = channels?.get(s.channel) ?? { sockets: new Map<string, SocketEntry>(), members: new Map<string, MemberEntry>() };
    // The presence member limit; the internal online channel holds every signed-in user.
    if (fromSub && s.user !== undefined && s.channel !== ONLINE_CHANNEL && !entry.members.has(s.user) && entry.members.size >= this.memberLimit(s.app)) {
      out.push({ kind: 'rejected', app: s.app, channel: s.channel, socket: s.socket });
      return;
    }
    if (!channels) this.apps.set(s.app, (channels = new Map<string, ChannelEntry>()));
    if (entry.sockets.size === 0) {
      channels.set(s.channel, entry);
      out.push({ kind: 'occupied', app: s.app, channel: s.channel });
    }
    entry.sockets.set(s.socket, { origin, user: s.user });
    let originKeys = this.byOrigin.get(origin);
    if (!originKeys) this.byOrigin.set(origin, (originKeys = new Set()));
    originKeys.add(key(s.app, s.channel, s.socket));
    if (fromSub) out.push({ kind: 'joined', app: s.app, channel: s.channel, socket: s.socket });
    if (s.user !== undefined) {
      const member = entry.members.get(s.user);
      if (member) member.sockets++;
      else {
        entry.members.set(s.user, { info: s.info, sockets: 1 });
        out.push({ kind: 'member_added', app: s.app, channel: s.channel, userId: s.user, info: s.info, socket: s.socket });
      }
    }
    out.push({ kind: 'count', app: s.app, channel: s.channel, count: entry.sockets.size });
  }

  private remove(app: string, channel: string, socket: string, out: Transition[]): void {
    const channels = this.apps.get(app);
    const entry = channels?.get(channel);
    const s = entry?.sockets.get(socket);
    if (!channels || !entry || !s) return;
    entry.sockets.delete(socket);
    this.byOrigin.get(s.origin)?.delete(key(app, channel, socket));
    if (s.user !== undefined) {
      const member = entry.members.get(s.user);
      if (member && --member.sockets === 0) {
        entry.members.delete(s.user);
        out.push({ kind: 'member_removed', app, channel, userId: s.user });
      }
    }
    if (entry.sockets.size === 0) {
      channels.delete(channel);
      if (channels.size === 0) this.apps.delete(app);
      out.push({ kind: 'vacated', app, channel });
    } else {
      out.push({ kind: 'count', app, channel, count: entry.sockets.size });
    }
  }

  private dropOrigin(origin: string, keep: Set<string>, out: Transition[]): void {
    const keys = this.byOrigin.get(origin);
    if (!keys) return;
    for (const k of [...keys]) {
      if (keep.has(k)) continue;
      const [app = '', channel = '', socket = ''] = k.split('\n');
      this.remove(app, channel, socket, out);
    }
    if (keys.size === 0) this.byOrigin.delete(origin);
  }

  /** Occupied channels of an app, optionally only those starting with `prefix`. */
  channels(app: string, prefix = ''): ChannelInfo[] {
    const out: ChannelInfo[] = [];
    for (const [name, entry] of this.apps.get(app) ?? []) {
      if (name.startsWith(prefix)) out.push({ name, subscriptionCount: entry.sockets.size, userCount: entry.members.size });
    }
    return out;
  }

  /** One channel; undefined when nobody is subscribed. */
  channel(app: string, name: string): ChannelInfo | undefined {
    const entry = this.apps.get(app)?.get(name);
    return entry ? { name, subscriptionCount: entry.sockets.size, userCount: entry.members.size } : undefined;
  }

  /** Presence members of a channel, each user once, in join order. */
  members(app: string, name: string): { id: string; info: unknown }[] {
    const entry = this.apps.get(app)?.get(name);
    return entry ? [...entry.members].map(([id, m]) => ({ id, info: m.info })) : [];
  }

  /** Whether a user is a member of a channel (for the online channel: signed in somewhere). */
  hasMember(app: string, name: string, userId: string): boolean {
    return this.apps.get(app)?.get(name)?.members.has(userId) ?? false;
  }

  /** Subscriptions an origin holds, as snapshot entries. */
  subsOf(origin: string): SnapSub[] {
    const out: SnapSub[] = [];
    for (const k of this.byOrigin.get(origin) ?? []) {
      const [app = '', channel = '', socket = ''] = k.split('\n');
      const entry = this.apps.get(app)?.get(channel);
      const s = entry?.sockets.get(socket);
      if (!entry || !s) continue;
      out.push(s.user === undefined ? { app, channel, socket } : { app, channel, socket, user: s.user, info: entry.members.get(s.user)?.info });
    }
    return out;
  }
}
