/** Channel kinds, decided by an anchored prefix that includes the hyphen. */
export type ChannelKind = 'public' | 'private' | 'presence' | 'encrypted';

export interface ChannelType {
  readonly kind: ChannelKind;
  /** `cache-` variants replay the last server event to new subscribers. */
  readonly cache: boolean;
  /** `#server-to-user-{id}`: only that signed-in user may subscribe. */
  readonly serverToUser: boolean;
}

/**
 * The internal channel every signed-in connection is a member of, under its
 * user id: the replica's membership of it is who is online anywhere in the app,
 * which is what watchlists report. No client can subscribe to it (names
 * starting with `#` are refused unless they are server-to-user channels) and
 * the HTTP API does not list `#` channels.
 */
export const ONLINE_CHANNEL = '#askr-online';

/** Users a sign-in's watchlist may name (Pusher's limit). */
export const MAX_WATCHLIST = 100;

/** Longest channel name Pusher accepts. */
export const MAX_CHANNEL_NAME = 164;
const NAME = /^[-a-zA-Z0-9_=@,.;]+$/;
const SERVER_TO_USER = '#server-to-user-';

/**
 * Classifies a channel name. `private-encrypted-` is checked before `private-`;
 * names such as `privatefoo` or `x-private-y` are public (the prefix is anchored
 * and includes the hyphen, unlike Soketi's and Reverb's checks).
 */
export function channelType(name: string): ChannelType {
  if (name.startsWith(SERVER_TO_USER)) return { kind: 'public', cache: false, serverToUser: true };
  if (name.startsWith('private-encrypted-')) return { kind: 'encrypted', cache: name.startsWith('private-encrypted-cache-'), serverToUser: false };
  if (name.startsWith('private-')) return { kind: 'private', cache: name.startsWith('private-cache-'), serverToUser: false };
  if (name.startsWith('presence-')) return { kind: 'presence', cache: name.startsWith('presence-cache-'), serverToUser: false };
  return { kind: 'public', cache: name.startsWith('cache-'), serverToUser: false };
}

/**
 * True for a name Pusher would accept: 1–`maxLength` characters from
 * `[-a-zA-Z0-9_=@,.;]`, or `#server-to-user-` followed by such characters.
 */
export function validChannelName(name: string, maxLength = MAX_CHANNEL_NAME): boolean {
  if (name.length === 0 || name.length > maxLength) return false;
  const rest = name.startsWith(SERVER_TO_USER) ? name.slice(SERVER_TO_USER.length) : name;
  return NAME.test(rest);
}

/** The user id a `#server-to-user-{id}` channel belongs to, or undefined. */
export function serverToUserId(name: string): string | undefined {
  return name.startsWith(SERVER_TO_USER) ? name.slice(SERVER_TO_USER.length) : undefined;
}

/** True when `client-*` events are allowed on the channel (private and presence, not encrypted). */
export function allowsClientEvents(type: ChannelType): boolean {
  return type.kind === 'private' || type.kind === 'presence';
}

/** True when subscribing needs an `auth` signature. */
export function needsAuth(type: ChannelType): boolean {
  return type.kind !== 'public';
}
