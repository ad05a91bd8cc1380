import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/serve-config.js';
import { AccessLog } from '../http/access-log.js';
import { FrontHandler, type DispatchLayer, type FastPath, type RouteFeature } from '../http/front-handler.js';
import { PlainConnection } from '../http/plain-connection.js';
import { ScriptResolver } from '../http/script-resolver.js';
import { StaticFiles } from '../http/static-files.js';
import { TrustedProxies } from '../http/trusted-proxies.js';
import type { Logger } from '../log/logger.js';
import { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import { TemplateClient } from '../php/template-client.js';
import type { WorkerCallRegistry } from '../pool/worker-calls.js';
import { WorkerPool, type PoolSnapshot } from '../pool/worker-pool.js';
import { GaugeBoard, shareOf } from '../shm/gauge-board.js';

/** How long a kept-alive client connection may sit idle (Node's HTTP server and the plain front). */
const KEEP_ALIVE_MS = 65_000;

export interface FrontOptions {
  config: ServeConfig;
  procIndex: number;
  procs: number;
  templateSocket: string;
  gauges: GaugeBoard;
  registry: Registry;
  metrics: SidecarMetrics;
  calls: WorkerCallRegistry;
  log: Logger;
  routes: RouteFeature[];
  layers: DispatchLayer[];
  fastPath?: FastPath | undefined;
  /** WebSocket connections, published with the pool gauges. */
  connections: () => number;
}

/**
 * One front process: the HTTP(S)/WebSocket listener, the pipeline, and the PHP
 * workers it owns (its share of the pod's floor and ceiling). It publishes its
 * gauges to shared memory every tick and follows the ceiling found there.
 */
export class Front {
  readonly server: Server;
  readonly pool: WorkerPool;
  readonly handler: FrontHandler;
  /** Connections still on the plain front (not yet handed to Node's HTTP server). */
  private readonly plainConnections = new Set<PlainConnection>();
  readonly accessLog: AccessLog;
  private publisher: NodeJS.Timeout | null = null;
  private limitsGeneration = 0;

  private constructor(
    private readonly options: FrontOptions,
    readonly template: TemplateClient,
  ) {
    const c = options.config;
    // The template knows the mode: in a pod it runs in another container, with its own settings.
    const mode = template.hello?.mode ?? c.mode;
    const i = options.procIndex;
    const n = options.procs;
    this.pool = new WorkerPool(
      {
        socketPath: join(c.runDir, `front-${i}.sock`),
        tag: `f${i}`,
        mode,
        min: shareOf(c.workersMin, i, n, 1),
        max: shareOf(c.workersMax, i, n, 1),
        queueSize: c.queueSize,
        requestTimeoutMs: c.requestTimeout * 1000,
        deferTimeoutMs: c.deferTimeout * 1000,
        dispatchAhead: c.dispatchAhead,
        maxRequests: c.maxRequests,
        maxMemoryBytes: Math.floor(c.maxMemory * 1024 * 1024),
        scaleDownDelayMs: c.scaleDownDelay * 1000,
        // Workers of a template that outlived the sidecar reconnect within tens of ms;
        // fork nothing until they are back (or 2 s have passed).
        adopt: { expected: n === 1 ? (template.hello?.children ?? 0) : 0, graceMs: 2000 },
      },
      template,
      options.calls,
      options.log,
      {
        forked: (ms) => { options.metrics.forkDuration.observe(ms / 1000); },
        deferredDone: (r) => {
          options.metrics.deferred.inc(r.deferred);
          if (r.deferredErrors > 0) options.metrics.deferredErrors.inc(r.deferredErrors);
          options.metrics.deferredDuration.observe(r.deferredMs / 1000);
        },
        workerDied: () => { options.metrics.workerDeaths.inc(); },
        recycled: (reason) => { options.metrics.recycles.inc({ reason }); },
        ahead: (outcome) => { options.metrics.dispatchAhead.inc({ outcome }); },
        autoscaled: (d, g) => {
          options.metrics.autoscaleEvents.inc({ direction: d.reason });
          options.log.info(`autoscale ${d.reason} busy=${g.busy} queued=${g.queued} alive=${g.alive} → desired=${d.desired}`);
        },
      },
    );
    this.accessLog = new AccessLog(c.accessLog);
    this.handler = new FrontHandler({
      mode,
      pool: this.pool,
      staticFiles: new StaticFiles(c.root),
      scripts: new ScriptResolver(c.root),
      proxies: new TrustedProxies(c.trustedProxies ?? []),
      accessLog: this.accessLog,
      metrics: options.metrics,
      log: options.log,
      maxBodySize: c.maxBodySize,
      requestTimeoutMs: c.requestTimeout * 1000,
      spoolDir: c.runDir,
      routes: options.routes,
      layers: options.layers,
      fastPath: options.fastPath,
      keepAliveTimeoutMs: KEEP_ALIVE_MS,
    });
    this.server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: 30_000, requestTimeout: 0 }, (req, res) => {
      this.handler.handle(req, res);
    });
    this.plainFront();
    this.server.on('upgrade', (req, socket, head) => {
      this.handler.handleUpgrade(req, socket, head);
    });
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /**
   * Connections start on the plain front: it answers plain GETs and HEADs
   * (cache hits, PHP) itself and hands a connection to Node's HTTP server
   * (which owns it from then on) at its first request that is anything else.
   */
  private plainFront(): void {
    const server = this.server;
    const nodeListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    const handOff = (socket: Socket): void => {
      for (const listener of nodeListeners) listener.call(server, socket);
    };
    const closed = (c: PlainConnection): void => {
      this.plainConnections.delete(c);
    };
    server.on('connection', (socket: Socket) => {
      this.plainConnections.add(new PlainConnection(socket, this.handler, handOff, this.handler.keepAliveLine, KEEP_ALIVE_MS, closed));
    });
  }

  /** Ends the plain front's connections: idle ones now, busy ones after their response (or now, `force`). */
  private closePlainConnections(force: boolean): void {
    for (const c of this.plainConnections) {
      if (force) c.socket.destroy();
      else c.close();
    }
  }

  static async start(options: FrontOptions, connectTimeoutMs: number): Promise<Front> {
    const template = new TemplateClient(options.templateSocket);
    template.on('down', () => { options.log.warn('lost the PHP template; reconnecting'); });
    await template.connect(connectTimeoutMs);
    const front = new Front(options, template);
    await front.pool.start();
    front.publish();
    front.publisher = setInterval(() => {
      front.publish();
    }, 50);
    front.publisher.unref();
    return front;
  }

  snapshot(): PoolSnapshot {
    return this.pool.snapshot();
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: false }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections, finishes in-flight work, stops the workers. */
  async drain(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => { r(); }));
    this.server.closeIdleConnections();
    this.closePlainConnections(false);
    await this.pool.drain(timeoutMs);
    // PHP is done: a connection still open has nothing more coming. server.close() waits for
    // every socket, the plain front's included, so none may be left to the idle timeout.
    this.closePlainConnections(true);
    this.server.closeAllConnections();
    await closed;
    this.stopPublishing();
  }

  async close(): Promise<void> {
    this.stopPublishing();
    this.closePlainConnections(true);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => { r(); }));
    await this.pool.close();
    this.template.close();
    this.accessLog.close();
  }

  private stopPublishing(): void {
    if (this.publisher) clearInterval(this.publisher);
    this.publisher = null;
    this.accessLog.flush();
  }

  /** Writes this process's gauges to shared memory now (readiness right after start). */
  publishNow(): void {
    this.publish();
  }

  private publish(): void {
    const o = this.options;
    const limits = o.gauges.limits();
    if (limits.generation !== this.limitsGeneration && limits.max > 0) {
      this.limitsGeneration = limits.generation;
      this.pool.setLimits(shareOf(limits.min, o.procIndex, o.procs, 1), shareOf(limits.max, o.procIndex, o.procs, 1));
    }
    const s = this.pool.snapshot();
    o.gauges.publish(o.procIndex, {
      queued: s.queued,
      alive: s.alive,
      busy: s.busy,
      idle: s.idle,
      starting: s.starting,
      desired: s.desired,
      min: s.min,
      max: s.max,
      deferring: s.deferring,
      connections: o.connections(),
    });
  }
}
