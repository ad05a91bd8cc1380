import { Counter, Gauge, type Registry } from 'prom-client';

/** What the Pusher core reports; the prom-client implementation is below. */
export interface PusherMetricsSink {
  connectionOpened(app: string): void;
  connectionClosed(app: string): void;
  messageIn(app: string): void;
  messagesOut(app: string, count: number): void;
  /** A `pusher:error` sent, or an HTTP API error, by Pusher code or HTTP status. */
  error(code: number): void;
  httpRequest(app: string, status: number): void;
  webhook(result: 'sent' | 'retried' | 'dropped'): void;
}

/** Discards everything (for tests that do not look at metrics). */
export const noMetrics: PusherMetricsSink = {
  connectionOpened() {},
  connectionClosed() {},
  messageIn() {},
  messagesOut() {},
  error() {},
  httpRequest() {},
  webhook() {},
};

/**
 * Prometheus metrics of the real-time stack, registered on the registry the
 * front process exports. Values are per front process; sum over processes.
 */
export class PusherMetrics implements PusherMetricsSink {
  readonly connections: Gauge<'app'>;
  readonly channels: Gauge<'app'>;
  readonly messagesIn: Counter<'app'>;
  readonly messagesSent: Counter<'app'>;
  readonly errors: Counter<'code'>;
  readonly httpRequests: Counter<'app' | 'status'>;
  readonly webhooks: Counter<'result'>;

  /** @param channelCount local occupied channels per app, read at scrape time. */
  constructor(registry: Registry, channelCount: () => Map<string, number>) {
    const registers = [registry];
    this.connections = new Gauge({ name: 'askr_pusher_connections', help: 'Open Pusher WebSocket connections in this front process.', labelNames: ['app'], registers });
    this.channels = new Gauge({
      name: 'askr_pusher_channels',
      help: 'Channels with at least one subscriber in this front process.',
      labelNames: ['app'],
      registers,
      collect() {
        this.reset();
        for (const [app, n] of channelCount()) this.set({ app }, n);
      },
    });
    this.messagesIn = new Counter({ name: 'askr_pusher_messages_received_total', help: 'Frames received from Pusher clients.', labelNames: ['app'], registers });
    this.messagesSent = new Counter({ name: 'askr_pusher_messages_sent_total', help: 'Frames sent to Pusher clients.', labelNames: ['app'], registers });
    this.errors = new Counter({ name: 'askr_pusher_errors_total', help: 'Pusher errors sent to clients (by Pusher code) and HTTP API errors (by status).', labelNames: ['code'], registers });
    this.httpRequests = new Counter({ name: 'askr_pusher_http_requests_total', help: 'Pusher HTTP API requests by status.', labelNames: ['app', 'status'], registers });
    this.webhooks = new Counter({ name: 'askr_pusher_webhooks_total', help: 'Webhook POSTs by result.', labelNames: ['result'], registers });
  }

  connectionOpened(app: string): void {
    this.connections.inc({ app });
  }
  connectionClosed(app: string): void {
    this.connections.dec({ app });
  }
  messageIn(app: string): void {
    this.messagesIn.inc({ app });
  }
  messagesOut(app: string, count: number): void {
    this.messagesSent.inc({ app }, count);
  }
  error(code: number): void {
    this.errors.inc({ code: String(code) });
  }
  httpRequest(app: string, status: number): void {
    this.httpRequests.inc({ app, status: String(status) });
  }
  webhook(result: 'sent' | 'retried' | 'dropped'): void {
    this.webhooks.inc({ result });
  }
}
