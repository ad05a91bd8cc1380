import type { OptionSpec } from './option.js';

/**
 * Options of the real-time stack: the Pusher-protocol WebSocket server, its HTTP
 * API, webhooks, Server-Sent Events and the shared broadcast ring. The per-app
 * settings here describe the single app of `--pusher-app-id/-key/-secret`;
 * `--pusher-config` describes several apps and may override them per app.
 * Defaults follow Pusher's published limits, so an app that works on Pusher
 * works here.
 */
export const pusherOptions = [
  { key: 'pusher', flag: 'pusher', kind: 'bool', default: 'false', group: 'Real-time',
    help: 'Serve the Pusher protocol (WebSocket at /app/{key}, HTTP API at /apps/{id}/…) and SSE at /askr/events, fed by a broadcast ring in shared memory.' },
  { key: 'pusherAppId', flag: 'pusher-app-id', kind: 'string', default: 'askr', group: 'Real-time',
    help: 'App id of the single app (PUSHER_APP_ID in the Laravel app).' },
  { key: 'pusherKey', flag: 'pusher-key', kind: 'string', default: 'askr-key', group: 'Real-time',
    help: 'Public app key clients connect with (/app/{key}).' },
  { key: 'pusherSecret', flag: 'pusher-secret', kind: 'string', group: 'Real-time',
    help: 'App secret that signs channel auth, sign-ins, HTTP API requests and webhooks. Without it a random one is made at start: public channels and askr_broadcast() work, private and presence need the app to know the secret.' },
  { key: 'pusherConfig', flag: 'pusher-config', kind: 'path', group: 'Real-time',
    help: 'JSON file describing several apps ({"apps":[{"id","key","secret",…}]}); replaces the single app of the flags above.' },
  { key: 'pusherActivityTimeout', flag: 'pusher-activity-timeout', kind: 'seconds', default: '30', unit: 's', min: 1, max: 3600, group: 'Real-time',
    help: 'Silence after which a client pings and the server pings an idle client (sent to clients as activity_timeout).' },
  { key: 'pusherPongTimeout', flag: 'pusher-pong-timeout', kind: 'seconds', default: '30', unit: 's', min: 0.1, max: 3600, group: 'Real-time',
    help: 'After a server ping, how long a client has to answer before it is closed with 4201.' },
  { key: 'pusherClientEvents', flag: 'pusher-client-events', kind: 'bool', default: 'false', group: 'Real-time',
    help: 'Allow client-* events (whispers) on private and presence channels. Off by default, as at Pusher.' },
  { key: 'pusherClientEventRate', flag: 'pusher-client-event-rate', kind: 'int', default: '10', unit: 'events/s', min: 1, max: 100000, group: 'Real-time',
    help: 'Client events one connection may send per second; more get pusher:error 4301 and are dropped.' },
  { key: 'pusherMaxPayload', flag: 'pusher-max-payload', kind: 'bytes', default: '10K', unit: 'bytes', min: 256, max: 16 * 1024 * 1024, group: 'Real-time',
    help: 'Largest event data from a client, the HTTP API or askr_broadcast() (Pusher: 10 KB).' },
  { key: 'pusherMaxConnections', flag: 'pusher-max-connections', kind: 'int', default: '0', min: 0, max: 10_000_000, group: 'Real-time',
    help: 'Connections per app in this pod; past it new ones get 4004. 0: no limit.' },
  { key: 'pusherMaxChannelsPerConnection', flag: 'pusher-max-channels-per-connection', kind: 'int', default: '200', min: 1, max: 100000, group: 'Real-time',
    help: 'Channels one connection may be subscribed to at once.' },
  { key: 'pusherMaxPresenceMembers', flag: 'pusher-max-presence-members', kind: 'int', default: '100', min: 1, max: 100000, group: 'Real-time',
    help: 'Distinct users per presence channel (Pusher: 100).' },
  { key: 'pusherMaxUserInfo', flag: 'pusher-max-user-info', kind: 'bytes', default: '1K', unit: 'bytes', min: 16, max: 1024 * 1024, group: 'Real-time',
    help: 'Largest presence user_info, as JSON (Pusher: 1 KB).' },
  { key: 'pusherCacheTtl', flag: 'pusher-cache-ttl', kind: 'seconds', default: '1800', unit: 's', min: 1, max: 86400 * 7, group: 'Real-time',
    help: 'How long the last event of a cache-* channel is replayed to new subscribers.' },
  { key: 'pusherSubscriptionCount', flag: 'pusher-subscription-count', kind: 'bool', default: 'false', group: 'Real-time',
    help: 'Send pusher_internal:subscription_count to subscribers of non-presence channels when the count changes.' },
  { key: 'pusherUserAuthTimeout', flag: 'pusher-user-auth-timeout', kind: 'seconds', default: '0', unit: 's', min: 0, max: 3600, group: 'Real-time',
    help: 'Close connections that neither sign in nor subscribe to a private channel within this time (4009). 0: off.' },
  { key: 'pusherWebhooks', flag: 'pusher-webhooks', kind: 'list', group: 'Real-time',
    help: 'URLs that receive webhooks (channel_occupied/vacated, member_added/removed, client_event, cache_miss), signed with X-Pusher-Signature.' },
  { key: 'pusherWebhookBatch', flag: 'pusher-webhook-batch', kind: 'seconds', default: '50ms', unit: 's', min: 0, max: 60, group: 'Real-time',
    help: 'Window in which webhook events are gathered into one POST.' },
  { key: 'pusherWebhookRetry', flag: 'pusher-webhook-retry', kind: 'seconds', default: '300', unit: 's', min: 0, max: 86400, group: 'Real-time',
    help: 'How long a failing webhook is retried, with exponential backoff (Pusher: 5 minutes).' },
  { key: 'pusherTimestampWindow', flag: 'pusher-timestamp-window', kind: 'seconds', default: '600', unit: 's', min: 1, max: 86400, group: 'Real-time',
    help: 'How far an HTTP API auth_timestamp may be from server time (Pusher: 600 s).' },
  { key: 'pusherRingSize', flag: 'pusher-ring-size', kind: 'bytes', default: '16M', unit: 'bytes', min: 65536, max: 1024 * 1024 * 1024, group: 'Real-time',
    help: 'Size of the broadcast ring in shared memory: how much recent traffic SSE clients can resume from and how far a slow process may lag.' },
  { key: 'sseKeepalive', flag: 'sse-keepalive', kind: 'seconds', default: '15', unit: 's', min: 1, max: 3600, group: 'Real-time',
    help: 'Interval of keep-alive comments on /askr/events streams (proxies close silent ones).' },
] as const satisfies readonly OptionSpec[];
