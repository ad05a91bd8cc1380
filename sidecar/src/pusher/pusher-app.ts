import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AskrError } from '../errors.js';
import type { ConfigOf } from '../config/parse-options.js';
import type { pusherOptions } from '../config/pusher-options.js';

/** A webhook target and the events it wants. */
export interface WebhookTarget {
  readonly url: string;
  /** Event names to send; empty means all. */
  readonly eventTypes: readonly string[];
}

/** One Pusher app: credentials and per-app limits. Sizes in bytes, times in seconds. */
export interface PusherApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
  readonly enabled: boolean;
  readonly clientEvents: boolean;
  readonly clientEventRate: number;
  readonly maxPayload: number;
  /** 0: no limit. */
  readonly maxConnections: number;
  readonly maxChannelsPerConnection: number;
  readonly maxPresenceMembers: number;
  readonly maxUserInfo: number;
  readonly cacheTtl: number;
  readonly subscriptionCount: boolean;
  /** 0: off. */
  readonly userAuthTimeout: number;
  readonly webhooks: readonly WebhookTarget[];
}

export type PusherConfig = ConfigOf<typeof pusherOptions>;

/** What resolving the apps produced, with warnings for the log. */
export interface ResolvedApps {
  readonly apps: readonly PusherApp[];
  readonly warnings: readonly string[];
}

function defaults(config: PusherConfig): Omit<PusherApp, 'id' | 'key' | 'secret'> {
  return {
    enabled: true,
    clientEvents: config.pusherClientEvents,
    clientEventRate: config.pusherClientEventRate,
    maxPayload: config.pusherMaxPayload,
    maxConnections: config.pusherMaxConnections,
    maxChannelsPerConnection: config.pusherMaxChannelsPerConnection,
    maxPresenceMembers: config.pusherMaxPresenceMembers,
    maxUserInfo: config.pusherMaxUserInfo,
    cacheTtl: config.pusherCacheTtl,
    subscriptionCount: config.pusherSubscriptionCount,
    userAuthTimeout: config.pusherUserAuthTimeout,
    webhooks: (config.pusherWebhooks ?? []).map((url) => ({ url, eventTypes: [] })),
  };
}

function bad(message: string): never {
  throw new AskrError('ASKR_ERR_CONFIG', `--pusher-config: ${message}`);
}

const FIELDS: Record<string, 'string' | 'number' | 'boolean'> = {
  enabled: 'boolean', clientEvents: 'boolean', clientEventRate: 'number', maxPayload: 'number', maxConnections: 'number',
  maxChannelsPerConnection: 'number', maxPresenceMembers: 'number', maxUserInfo: 'number', cacheTtl: 'number',
  subscriptionCount: 'boolean', userAuthTimeout: 'number',
};

/** Parses the `--pusher-config` JSON: `{"apps":[{"id","key","secret", …per-app overrides, "webhooks":[{"url","eventTypes"?}]}]}`. */
export function parseAppsFile(text: string, base: Omit<PusherApp, 'id' | 'key' | 'secret'>): PusherApp[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return bad(`not JSON: ${(err as Error).message}`);
  }
  const apps = (doc as { apps?: unknown } | null)?.apps;
  if (!Array.isArray(apps) || apps.length === 0) return bad('expected {"apps": [ … ]} with at least one app');
  const seen = new Set<string>();
  return apps.map((raw: unknown, i): PusherApp => {
    if (typeof raw !== 'object' || raw === null) return bad(`apps[${i}] is not an object`);
    const a = raw as Record<string, unknown>;
    for (const f of ['id', 'key', 'secret']) {
      if (typeof a[f] !== 'string' || a[f] === '') bad(`apps[${i}].${f} must be a non-empty string`);
    }
    const app: Record<string, unknown> = { ...base, id: a.id, key: a.key, secret: a.secret };
    for (const [field, type] of Object.entries(FIELDS)) {
      if (a[field] === undefined) continue;
      if (typeof a[field] !== type) bad(`apps[${i}].${field} must be a ${type}`);
      app[field] = a[field];
    }
    if (a.webhooks !== undefined) {
      if (!Array.isArray(a.webhooks)) bad(`apps[${i}].webhooks must be an array`);
      app.webhooks = (a.webhooks as unknown[]).map((w, j) => {
        const hook = w as { url?: unknown; eventTypes?: unknown } | null;
        if (typeof hook?.url !== 'string') return bad(`apps[${i}].webhooks[${j}].url must be a string`);
        const types = hook.eventTypes ?? [];
        if (!Array.isArray(types) || !types.every((t) => typeof t === 'string')) return bad(`apps[${i}].webhooks[${j}].eventTypes must be strings`);
        return { url: hook.url, eventTypes: types };
      });
    }
    for (const f of ['id', 'key'] as const) {
      const tag = `${f}:${String(a[f])}`;
      if (seen.has(tag)) bad(`two apps share ${f} "${String(a[f])}"`);
      seen.add(tag);
    }
    return app as unknown as PusherApp;
  });
}

/**
 * The apps to serve: from `--pusher-config` when given, otherwise the single app
 * of `--pusher-app-id/-key/-secret`. A missing secret is replaced by a random
 * one, with a warning, so `askr serve --pusher` works out of the box for public
 * channels and `askr_broadcast()`.
 */
export function resolvePusherApps(config: PusherConfig, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): ResolvedApps {
  const base = defaults(config);
  if (config.pusherConfig !== undefined) {
    let text: string;
    try {
      text = readFile(config.pusherConfig);
    } catch (err) {
      return bad(`cannot read ${config.pusherConfig}: ${(err as Error).message}`);
    }
    return { apps: parseAppsFile(text, base), warnings: [] };
  }
  const warnings: string[] = [];
  let secret = config.pusherSecret;
  if (secret === undefined) {
    secret = randomBytes(24).toString('hex');
    warnings.push('--pusher-secret is not set: using a random secret; private and presence channels need the app to sign with the same secret');
  }
  return { apps: [{ ...base, id: config.pusherAppId, key: config.pusherKey, secret }], warnings };
}

/** Looks apps up by key (WebSocket) and by id (HTTP API). */
export class AppRegistry {
  private readonly byKey = new Map<string, PusherApp>();
  private readonly byId = new Map<string, PusherApp>();
  readonly apps: readonly PusherApp[];

  constructor(apps: readonly PusherApp[]) {
    this.apps = apps;
    for (const app of apps) {
      this.byKey.set(app.key, app);
      this.byId.set(app.id, app);
    }
  }

  findByKey(key: string): PusherApp | undefined {
    return this.byKey.get(key);
  }

  findById(id: string): PusherApp | undefined {
    return this.byId.get(id);
  }
}
