import { verifyApiSignature } from './api-signature.js';
import { channelType, validChannelName } from './channel-name.js';
import type { PusherApp } from './pusher-app.js';
import type { PusherCore } from './pusher-core.js';

/** Longest event name and most channels per trigger, and most events per batch (Pusher's limits). */
export const API_LIMITS = { eventName: 200, channelsPerEvent: 100, batchSize: 10 } as const;

/** An HTTP API request, already read: the path has no query and no server prefix. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  /** URL-decoded query; repeated keys joined with commas. */
  readonly query: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The answer: always JSON (the PHP client json_decodes every body). */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  /** App id for metrics, when the path named a known app. */
  readonly app?: string;
}

const SOCKET_ID = /^\d+\.\d+$/;

class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const fail = (status: number, message: string): never => {
  throw new ApiError(status, message);
};

/**
 * The Pusher HTTP API (`/apps/{app_id}/…`) over a `PusherCore`: signature
 * checks, then events, batch events, channel queries and user termination.
 * Queries are answered from the replica, so they cover every front process.
 */
export function handleApiRequest(core: PusherCore, req: ApiRequest, nowSeconds: number, timestampWindow: number): ApiResponse {
  const m = /^\/apps\/([^/]+)(\/.*)?$/.exec(req.path);
  if (!m) return { status: 404, body: { error: 'Not found' } };
  let appId: string;
  try {
    appId = decodeURIComponent(m[1] ?? '');
  } catch {
    return { status: 400, body: { error: 'Malformed percent-encoding in the path' } };
  }
  const app = core.apps.findById(appId);
  if (!app) return { status: 404, body: { error: 'Unknown app' } };
  const check = verifyApiSignature(req, app, nowSeconds, timestampWindow);
  if (!check.ok) return { status: check.status, body: { error: check.error }, app: app.id };
  if (!app.enabled) return { status: 403, body: { error: 'App is disabled' }, app: app.id };
  try {
    return { status: 200, body: route(core, app, req, m[2] ?? ''), app: app.id };
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: { error: err.message }, app: app.id };
    if (err instanceof URIError) return { status: 400, body: { error: 'Malformed percent-encoding in the path' }, app: app.id };
    throw err;
  }
}

function route(core: PusherCore, app: PusherApp, req: ApiRequest, rest: string): unknown {
  const method = req.method.toUpperCase();
  if (method === 'POST' && rest === '/events') return trigger(core, app, asObject(parseBody(req.body)));
  if (method === 'POST' && rest === '/batch_events') {
    const batch = asObject(parseBody(req.body)).batch;
    if (!Array.isArray(batch)) return fail(400, 'batch must be an array');
    if (batch.length > API_LIMITS.batchSize) return fail(400, `At most ${API_LIMITS.batchSize} events per batch`);
    const events = batch.map((e) => checkEvent(app, asObject(e)));
    const results = events.map((e) => publish(core, app, e));
    return events.some((e) => e.info) ? { batch: results } : {};
  }
  if (method === 'GET' && rest === '/channels') return listChannels(core, app, req.query);
  const users = /^\/channels\/([^/]+)\/users$/.exec(rest);
  if (method === 'GET' && users) {
    const name = decodeURIComponent(users[1] ?? '');
    if (channelType(name).kind !== 'presence') return fail(400, 'Users are only available for presence channels');
    return { users: core.replica.members(app.id, name).map((u) => ({ id: u.id })) };
  }
  const one = /^\/channels\/([^/]+)$/.exec(rest);
  if (method === 'GET' && one) return channelInfo(core, app, decodeURIComponent(one[1] ?? ''), req.query);
  const term = /^\/users\/([^/]+)\/terminate_connections$/.exec(rest);
  if (method === 'POST' && term) {
    core.publisher.publish({ t: 'terminate', app: app.id, user: decodeURIComponent(term[1] ?? '') });
    return {};
  }
  return fail(404, `No such endpoint: ${method} ${rest}`);
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return fail(400, 'Body is not valid JSON');
  }
}

function asObject(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(400, 'Expected a JSON object');
  return v as Record<string, unknown>;
}

interface CheckedEvent {
  readonly name: string;
  readonly channels: string[];
  readonly data: unknown;
  readonly socketId: string | undefined;
  readonly info: string[] | undefined;
}

function checkEvent(app: PusherApp, e: Record<string, unknown>): CheckedEvent {
  const { name, data, socket_id: socketId, info } = e;
  if (typeof name !== 'string' || name === '') return fail(400, 'name is required');
  if (name.length > API_LIMITS.eventName) return fail(400, `name longer than ${API_LIMITS.eventName} characters`);
  const channels = Array.isArray(e.channels) ? (e.channels as unknown[]) : typeof e.channel === 'string' ? [e.channel] : undefined;
  if (!channels || channels.length === 0) return fail(400, 'channels (or channel) is required');
  if (channels.length > API_LIMITS.channelsPerEvent) return fail(400, `At most ${API_LIMITS.channelsPerEvent} channels per event`);
  for (const c of channels) if (typeof c !== 'string' || !validChannelName(c)) return fail(400, `Invalid channel name ${JSON.stringify(c).slice(0, 200)}`);
  if (data === undefined) return fail(400, 'data is required');
  const size = Buffer.byteLength(typeof data === 'string' ? data : JSON.stringify(data));
  if (size > app.maxPayload) return fail(413, `Event data is ${size} bytes, more than ${app.maxPayload}`);
  if (socketId !== undefined && (typeof socketId !== 'string' || !SOCKET_ID.test(socketId))) return fail(400, 'socket_id must look like 123.456');
  if (info !== undefined && typeof info !== 'string') return fail(400, 'info must be a comma-separated string');
  return { name, channels: channels as string[], data, socketId, info: info?.split(',').filter((x) => x !== '') };
}

function trigger(core: PusherCore, app: PusherApp, body: Record<string, unknown>): unknown {
  const result = publish(core, app, checkEvent(app, body));
  return Object.keys(result).length > 0 ? { channels: result } : {};
}

function publish(core: PusherCore, app: PusherApp, e: CheckedEvent): Record<string, Record<string, number>> {
  core.publisher.publish({ t: 'event', app: app.id, channels: e.channels, event: e.name, data: e.data, ...(e.socketId !== undefined ? { except: e.socketId } : {}) });
  if (!e.info) return {};
  const out: Record<string, Record<string, number>> = {};
  for (const name of e.channels) out[name] = attributes(core, app, name, e.info, false);
  return out;
}

function attributes(core: PusherCore, app: PusherApp, name: string, info: readonly string[], strict: boolean): Record<string, number> {
  const ch = core.replica.channel(app.id, name);
  const out: Record<string, number> = {};
  if (info.includes('user_count')) {
    if (channelType(name).kind === 'presence') out.user_count = ch?.userCount ?? 0;
    else if (strict) fail(400, 'user_count is only available for presence channels');
  }
  if (info.includes('subscription_count')) out.subscription_count = ch?.subscriptionCount ?? 0;
  return out;
}

function listChannels(core: PusherCore, app: PusherApp, query: Readonly<Record<string, string>>): unknown {
  const prefix = query.filter_by_prefix ?? '';
  const info = (query.info ?? '').split(',').filter((x) => x !== '');
  if (info.includes('user_count') && !prefix.startsWith('presence-')) return fail(400, 'info=user_count requires filter_by_prefix=presence-');
  // An object even when empty: the PHP client calls get_object_vars on it.
  const channels: Record<string, Record<string, number>> = {};
  for (const ch of core.replica.channels(app.id, prefix)) {
    if (ch.name.startsWith('#')) continue;
    channels[ch.name] = attributes(core, app, ch.name, info, false);
  }
  return { channels };
}

function channelInfo(core: PusherCore, app: PusherApp, name: string, query: Readonly<Record<string, string>>): unknown {
  if (!validChannelName(name)) return fail(400, 'Invalid channel name');
  const info = (query.info ?? '').split(',').filter((x) => x !== '');
  const ch = core.replica.channel(app.id, name);
  const out: Record<string, unknown> = { occupied: ch !== undefined, ...attributes(core, app, name, info, true) };
  if (info.includes('cache')) {
    const cached = core.cache.get(app.id, name, core.now());
    if (cached) out.cache = { event: cached.event, data: cached.data };
  }
  return out;
}
