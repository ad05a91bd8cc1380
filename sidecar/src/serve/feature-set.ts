import type { Registry } from 'prom-client';
import { registerBroadcastCall } from '../broadcast/broadcast-call.js';
import type { BroadcastHub } from '../broadcast/broadcast-hub.js';
import { broadcastRegions } from '../broadcast/broadcast-regions.js';
import { openBroadcastHub } from '../broadcast/open-broadcast-hub.js';
import type { ServeConfig } from '../config/serve-config.js';
import type { DispatchLayer, RouteFeature } from '../http/front-handler.js';
import type { FrontBus } from '../ipc/front-bus.js';
import type { Logger } from '../log/logger.js';
import type { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import type { TemplateHello } from '../php/template-client.js';
import type { WorkerCallRegistry } from '../pool/worker-calls.js';
import { CONNECTION_REGION, ConnectionBoard } from '../pusher/connection-board.js';
import { PusherService } from '../pusher/pusher-service.js';
import { ErrorRecorder } from '../record/error-recorder.js';
import { CacheLayer } from '../cache/cache-layer.js';
import { cacheRegions } from '../cache/cache-layout.js';
import { createResponseCache } from '../cache/create-response-cache.js';
import type { ResponseCache } from '../cache/response-cache.js';
import type { ShmRegion } from '../shm/shm-region.js';
import type { RegionSpec } from '../shm/shm-layout.js';
import { ForgetLog } from '../peers/forget-log.js';
import { peerRegions } from '../peers/peer-region.js';
import { SseService } from '../sse/sse-service.js';

export interface FeatureContext {
  config: ServeConfig;
  procIndex: number;
  procs: number;
  shm: ShmRegion;
  bus: FrontBus;
  log: Logger;
  registry: Registry;
  calls: WorkerCallRegistry;
  metrics: SidecarMetrics;
}

/** Shared-memory regions every enabled feature needs, for the supervisor's layout. */
export function featureRegions(config: ServeConfig): RegionSpec[] {
  return [
    ...(config.responseCache > 0 ? cacheRegions(config) : []),
    ...(config.pusher ? [...broadcastRegions(config), CONNECTION_REGION] : []),
    ...peerRegions(config),
  ];
}

interface Realtime {
  hub: BroadcastHub;
  pusher: PusherService;
  sse: SseService;
}

/**
 * The optional features of a front process, wired in one place: which routes
 * they answer, which layers wrap PHP dispatch (outermost first), the gauges they
 * publish, and how they start and stop.
 */
export class FeatureSet {
  private constructor(
    private readonly recorder: ErrorRecorder | null,
    private readonly realtime: Realtime | null,
    private readonly cache: ResponseCache | null,
  ) {}

  static start(ctx: FeatureContext): Promise<FeatureSet> {
    const { config } = ctx;
    const recorder = config.recordErrors === undefined ? null : new ErrorRecorder(config, ctx.metrics, ctx.log);
    let realtime: Realtime | null = null;
    if (config.pusher) {
      const hub = openBroadcastHub(ctx.shm, config, ctx.bus);
      // --pusher-max-connections is per app for the pod: every front process counts into shared memory.
      const board = new ConnectionBoard(ctx.shm.int32(CONNECTION_REGION.name), ctx.procIndex, ctx.procs);
      const pusher: PusherService = new PusherService({
        config,
        hub,
        registry: ctx.registry,
        log: (m) => { ctx.log.info(`pusher: ${m}`); },
        // Called per connection, never while the service is being built.
        admit: (app, delta) => board.admit(pusher.apps.apps.indexOf(app), app.maxConnections, delta),
      });
      const sse = new SseService({ hub, apps: pusher.apps.apps, keepalive: config.sseKeepalive, registry: ctx.registry });
      registerBroadcastCall(ctx.calls, hub, pusher.apps.apps);
      realtime = { hub, pusher, sse };
    }
    // With peers, this pod's invalidations go to its forget log, which the supervisor streams to them.
    const forgetLog = ForgetLog.open(ctx.shm);
    const cache =
      createResponseCache({
        config,
        shm: ctx.shm,
        registry: ctx.registry,
        bus: ctx.bus,
        workerCalls: ctx.calls,
        log: (event) => {
          const { event: name, ...fields } = event;
          ctx.log.warn(typeof name === 'string' ? name : 'cache', fields);
        },
        ...(forgetLog ? { onForget: (tags: readonly string[]) => { forgetLog.append(tags); } } : {}),
      }) ?? null;
    return Promise.resolve(new FeatureSet(recorder, realtime, cache));
  }

  /** This process's end of the broadcast ring (null without --pusher). */
  get hub(): BroadcastHub | null {
    return this.realtime?.hub ?? null;
  }

  /** Called once the template has greeted the front process. */
  templateReady(hello: TemplateHello): void {
    if (this.recorder) {
      this.recorder.templateRoot = hello.root;
      this.recorder.app = { workerScript: hello.workerScript, mode: hello.mode };
    }
  }

  routes(): RouteFeature[] {
    const rt = this.realtime;
    if (!rt) return [];
    return [
      {
        handleRequest: (req, res) => rt.pusher.handleRequest(req, res) || rt.sse.handleRequest(req, res),
        handleUpgrade: (req, socket, head) => rt.pusher.handleUpgrade(req, socket, head),
        claims: (path) => rt.pusher.claims(path) || rt.sse.claims(path),
      },
    ];
  }

  private cacheLayer: CacheLayer | null = null;

  /** Fresh cache hits answered before the PHP pipeline is built. */
  fastPath(): CacheLayer | undefined {
    if (!this.cache) return undefined;
    this.cacheLayer ??= new CacheLayer(this.cache);
    return this.cacheLayer;
  }

  layers(): DispatchLayer[] {
    // Outermost first. The cache wraps the recorder, so the recorder sees PHP's 5xx
    // even when stale-if-error answers the client with the stale entry.
    const layers: DispatchLayer[] = [];
    const cache = this.fastPath();
    if (cache) layers.push(cache);
    if (this.recorder) layers.push(this.recorder);
    return layers;
  }

  /** WebSocket connections of this process (published with the pool gauges). */
  connections(): number {
    return this.realtime?.pusher.connectionCount ?? 0;
  }

  /** Before the pool drains: real-time clients are told to reconnect elsewhere (4200). */
  async beforeDrain(): Promise<void> {
    if (!this.realtime) return;
    await this.realtime.pusher.close();
    await this.realtime.sse.close();
  }

  async close(): Promise<void> {
    this.cache?.close();
    await this.recorder?.flush();
    this.realtime?.hub.close();
  }
}
