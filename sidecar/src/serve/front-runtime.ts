import { Registry } from 'prom-client';
import type { ServeConfig } from '../config/serve-config.js';
import type { FrontBus } from '../ipc/front-bus.js';
import type { Logger } from '../log/logger.js';
import { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import { WorkerCallRegistry } from '../pool/worker-calls.js';
import { GAUGE_REGION, GaugeBoard } from '../shm/gauge-board.js';
import type { ShmRegion } from '../shm/shm-region.js';
import type { DispatchLayer, RouteFeature } from '../http/front-handler.js';
import { Front } from './front.js';
import { FeatureSet } from './feature-set.js';

/** A front process with its features, registry and worker-call table. */
export interface FrontRuntime {
  front: Front;
  registry: Registry;
  metrics: SidecarMetrics;
  features: FeatureSet;
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface FrontRuntimeOptions {
  config: ServeConfig;
  procIndex: number;
  procs: number;
  templateSocket: string;
  shm: ShmRegion;
  bus: FrontBus;
  log: Logger;
  /** Process-level default metrics (CPU, RSS) are registered once per process. */
  defaultMetrics: boolean;
}

/**
 * Builds one front process: its metrics, the features it serves (response
 * cache, real-time, error recording) and the front itself, connected to the
 * template and serving once it returns.
 */
export async function startFrontRuntime(o: FrontRuntimeOptions): Promise<FrontRuntime> {
  const registry = new Registry();
  const gauges = new GaugeBoard(o.shm.int32(GAUGE_REGION.name));
  let front: Front | null = null;
  const metrics = new SidecarMetrics(registry, () => front?.snapshot() ?? null, { defaultMetrics: o.defaultMetrics });
  const calls = new WorkerCallRegistry(undefined, (op, error, ctx) => {
    metrics.failedCalls.inc({ op });
    o.log.warn(`request ${ctx.requestId ?? '?'}: ${op} from PHP failed: ${error.message}`);
  });
  const features = await FeatureSet.start({ ...o, registry, calls, metrics });
  const routes: RouteFeature[] = features.routes();
  const layers: DispatchLayer[] = features.layers();
  front = await Front.start(
    {
      config: o.config,
      procIndex: o.procIndex,
      procs: o.procs,
      templateSocket: o.templateSocket,
      gauges,
      registry,
      metrics,
      calls,
      log: o.log,
      routes,
      layers,
      fastPath: features.fastPath(),
      connections: () => features.connections(),
    },
    60_000,
  );
  const live = front;
  if (live.template.hello) features.templateReady(live.template.hello);
  return {
    front: live,
    registry,
    metrics,
    features,
    drain: async (ms) => {
      await features.beforeDrain();
      await live.drain(ms);
    },
    close: async () => {
      await live.close();
      await features.close();
    },
  };
}
