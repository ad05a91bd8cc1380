import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge, type Registry } from 'prom-client';
import type { BroadcastHub } from '../broadcast/broadcast-hub.js';
import type { EventRecord, RingRecord } from '../broadcast/ring-record.js';
import { channelType, validChannelName } from '../pusher/channel-name.js';
import { parseLastEventId, sseComment, sseEvent, sseId } from './sse-format.js';

/** The path SSE is served at. */
export const SSE_PATH = '/askr/events';

export interface SseApp {
  readonly id: string;
  readonly key: string;
}

export interface SseServiceOptions {
  readonly hub: BroadcastHub;
  /** Apps; `?app=` picks one by key or id, default the first. */
  readonly apps: readonly SseApp[];
  /** Seconds between keep-alive comments. */
  readonly keepalive: number;
  readonly registry?: Registry;
}

interface Client {
  readonly res: ServerResponse;
  readonly app: string;
  readonly channels: ReadonlySet<string>;
  /** Highest sequence sent, so a replayed record is not sent again live. */
  lastSeq: number;
}

const MAX_CHANNELS = 100;

/**
 * `GET /askr/events?channel=a&channel=b` (or `channel=a,b`): public channels as
 * an event stream from the broadcast ring. `Last-Event-ID` (or `?lastEventId=`)
 * replays what the ring still holds after that id; if the ring no longer holds
 * it, an `askr:reset` event tells the client to refetch its state.
 */
export class SseService {
  private readonly hub: BroadcastHub;
  private readonly apps: readonly SseApp[];
  private readonly byChannel = new Map<string, Set<Client>>();
  private readonly clients = new Set<Client>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly gauge: Gauge | undefined;

  constructor(options: SseServiceOptions) {
    this.hub = options.hub;
    this.apps = options.apps;
    this.unsubscribe = this.hub.subscribe((record, seq) => {
      this.onRecord(record, seq);
    });
    this.timer = setInterval(() => {
      const line = sseComment('keep-alive');
      for (const c of this.clients) c.res.write(line);
    }, options.keepalive * 1000);
    this.timer.unref();
    if (options.registry) {
      this.gauge = new Gauge({ name: 'askr_sse_connections', help: 'Open /askr/events streams in this front process.', registers: [options.registry] });
    }
  }

  /** Whether requests for this path are the event stream's. */
  claims(path: string): boolean {
    return path.startsWith(SSE_PATH);
  }

  /** Serves `/askr/events`; false for any other path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    // Every request of the pod passes here: decide on the raw target before parsing a URL.
    if (req.url === undefined || !this.claims(req.url)) return false;
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== SSE_PATH) return false;
    const error = (status: number, message: string): true => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
      return true;
    };
    if (req.method !== 'GET') return error(405, 'Use GET');
    const appParam = url.searchParams.get('app');
    const app = appParam === null ? this.apps[0] : this.apps.find((a) => a.key === appParam || a.id === appParam);
    if (!app) return error(404, 'Unknown app');
    const channels = new Set(url.searchParams.getAll('channel').flatMap((c) => c.split(',')).filter((c) => c !== ''));
    if (channels.size === 0 || channels.size > MAX_CHANNELS) return error(400, `Give 1 to ${MAX_CHANNELS} channel parameters`);
    for (const c of channels) {
      if (!validChannelName(c)) return error(400, `Invalid channel name ${c.slice(0, 200)}`);
      const type = channelType(c);
      if (type.kind !== 'public' || type.serverToUser) return error(403, `${c} needs a Pusher subscription with auth; SSE serves public channels`);
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n${sseComment('connected')}`);
    const client: Client = { res, app: app.id, channels, lastSeq: 0 };
    const last = parseLastEventId(req.headers['last-event-id']?.toString() ?? url.searchParams.get('lastEventId') ?? undefined, this.hub.ring.ringId);
    if (last === 'other-ring') res.write(sseEvent(sseId(this.hub.ring.ringId, 0), 'askr:reset', '{"reason":"ring-reset"}'));
    else if (last !== undefined) this.replay(client, last);
    this.clients.add(client);
    for (const c of channels) {
      let set = this.byChannel.get(`${app.id}\n${c}`);
      if (!set) this.byChannel.set(`${app.id}\n${c}`, (set = new Set()));
      set.add(client);
    }
    this.gauge?.inc();
    res.on('close', () => {
      this.remove(client);
    });
    return true;
  }

  private replay(client: Client, after: number): void {
    const oldest = this.hub.oldestSeq();
    if (oldest === 0 || oldest > after + 1) {
      client.res.write(sseEvent(sseId(this.hub.ring.ringId, after), 'askr:reset', '{"reason":"too-old"}'));
    }
    for (const { seq, record } of this.hub.replay(after)) {
      if (record.t === 'event' && record.app === client.app && !record.client) this.send(client, record, seq);
    }
    client.lastSeq = Math.max(client.lastSeq, after);
  }

  private onRecord(record: RingRecord, seq: number): void {
    if (record.t !== 'event' || record.client || this.clients.size === 0) return;
    const sent = new Set<Client>();
    for (const channel of record.channels) {
      for (const client of this.byChannel.get(`${record.app}\n${channel}`) ?? []) {
        if (sent.has(client) || seq <= client.lastSeq) continue;
        sent.add(client);
        this.send(client, record, seq);
      }
    }
  }

  private send(client: Client, record: EventRecord, seq: number): void {
    const channel = record.channels.find((c) => client.channels.has(c));
    if (channel === undefined) return;
    client.lastSeq = seq;
    client.res.write(sseEvent(sseId(this.hub.ring.ringId, seq), record.event, JSON.stringify({ event: record.event, channel, data: record.data })));
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    this.gauge?.dec();
    for (const c of client.channels) {
      const key = `${client.app}\n${c}`;
      const set = this.byChannel.get(key);
      set?.delete(client);
      if (set?.size === 0) this.byChannel.delete(key);
    }
  }

  /** Ends every stream and detaches from the hub. */
  close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    for (const c of [...this.clients]) {
      c.res.end();
      this.remove(c);
    }
    return Promise.resolve();
  }
}
