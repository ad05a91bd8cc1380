/** A frame from a client, classified. Parsing never throws. */
export type ClientMessage =
  | { readonly kind: 'ping' }
  | { readonly kind: 'pong' }
  | { readonly kind: 'subscribe'; readonly channel: string; readonly auth: string | undefined; readonly channelData: string | undefined }
  | { readonly kind: 'unsubscribe'; readonly channel: string }
  | { readonly kind: 'signin'; readonly auth: string; readonly userData: string }
  | { readonly kind: 'client-event'; readonly event: string; readonly channel: string; readonly data: unknown }
  | { readonly kind: 'unknown'; readonly event: string }
  | { readonly kind: 'invalid'; readonly reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `data` of pusher:* events may arrive as an object or as a JSON string of one. */
function dataObject(data: unknown): Record<string, unknown> | undefined {
  if (isRecord(data)) return data;
  if (typeof data === 'string') {
    try {
      const parsed: unknown = JSON.parse(data);
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const invalid = (reason: string): ClientMessage => ({ kind: 'invalid', reason });

/**
 * Parses one text frame `{event, channel?, data?}` (Pusher protocol 7). Missing
 * `data` is tolerated (some clients ping without it); `channel_data` must be a
 * string, as it is signed byte for byte.
 */
export function parseClientMessage(text: string): ClientMessage {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return invalid('Invalid JSON');
  }
  if (!isRecord(frame)) return invalid('A message must be a JSON object');
  const { event } = frame;
  if (typeof event !== 'string' || event === '') return invalid('Missing event name');
  switch (event) {
    case 'pusher:ping':
      return { kind: 'ping' };
    case 'pusher:pong':
      return { kind: 'pong' };
    case 'pusher:subscribe': {
      const d = dataObject(frame.data);
      if (!d || typeof d.channel !== 'string') return invalid('pusher:subscribe needs data.channel');
      if (d.auth !== undefined && typeof d.auth !== 'string') return invalid('auth must be a string');
      if (d.channel_data !== undefined && typeof d.channel_data !== 'string') return invalid('channel_data must be a JSON string');
      return { kind: 'subscribe', channel: d.channel, auth: d.auth, channelData: d.channel_data };
    }
    case 'pusher:unsubscribe': {
      const d = dataObject(frame.data);
      if (!d || typeof d.channel !== 'string') return invalid('pusher:unsubscribe needs data.channel');
      return { kind: 'unsubscribe', channel: d.channel };
    }
    case 'pusher:signin': {
      const d = dataObject(frame.data);
      if (!d || typeof d.auth !== 'string' || typeof d.user_data !== 'string') return invalid('pusher:signin needs data.auth and data.user_data strings');
      return { kind: 'signin', auth: d.auth, userData: d.user_data };
    }
    default:
      break;
  }
  if (event.startsWith('client-')) {
    if (typeof frame.channel !== 'string') return invalid('A client event needs a channel');
    return { kind: 'client-event', event, channel: frame.channel, data: frame.data };
  }
  return { kind: 'unknown', event };
}

/** Presence `channel_data`: a user id (numbers become strings) and optional info. */
export interface PresenceMember {
  readonly userId: string;
  readonly userInfo: unknown;
}

/** Parses presence `channel_data`; undefined when it is not `{"user_id": string|number, …}`. */
export function parseChannelData(channelData: string | undefined): PresenceMember | undefined {
  const d = dataObject(channelData);
  if (!d) return undefined;
  const id = d.user_id;
  // Laravel sends numeric ids; identity is compared as strings.
  if (typeof id === 'number' && Number.isFinite(id)) return { userId: String(id), userInfo: d.user_info };
  if (typeof id === 'string' && id !== '') return { userId: id, userInfo: d.user_info };
  return undefined;
}

/** Parses sign-in `user_data`: pusher-js requires a non-empty string `id`. */
export function parseUserData(userData: string): { id: string; watchlist: string[] } | undefined {
  const d = dataObject(userData);
  if (!d || typeof d.id !== 'string' || d.id === '') return undefined;
  const watchlist = Array.isArray(d.watchlist) ? d.watchlist.filter((x): x is string => typeof x === 'string') : [];
  return { id: d.id, watchlist };
}
