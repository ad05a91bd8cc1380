import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/serve-config.js';
import type { DispatchLayer, RouteFeature } from '../http/front-handler.js';
import type { FrontBus } from '../ipc/front-bus.js';
import type { Logger } from '../log/logger.js';
import type { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import type { WorkerCallRegistry } from '../pool/worker-calls.js';
import type { ShmRegion } from '../shm/shm-region.js';
import type { RegionSpec } from '../shm/shm-layout.js';
import { ErrorRecorder } from '../record/error-recorder.js';
import type { TemplateHello } from '../php/template-client.js';

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
export function featureRegions(_config: ServeConfig): RegionSpec[] {
  return [];
}

/**
 * The optional features of a front process, wired in one place: which routes
 * they answer, which layers wrap PHP dispatch (outermost first), and how they
 * start and stop.
 */
export class FeatureSet {
  private constructor(
    private readonly recorder: ErrorRecorder | null,
  ) {}

  static start(ctx: FeatureContext): Promise<FeatureSet> {
    const recorder = ctx.config.recordErrors === undefined ? null : new ErrorRecorder(ctx.config, ctx.metrics, ctx.log);
    return Promise.resolve(new FeatureSet(recorder));
  }

  /** Called once the template has greeted the front process. */
  templateReady(hello: TemplateHello): void {
    if (this.recorder) this.recorder.templateRoot = hello.root;
  }

  routes(): RouteFeature[] {
    return [];
  }

  layers(): DispatchLayer[] {
    // The recorder sits outside the cache so that a stale-if-error answer still records the 5xx.
    return this.recorder ? [this.recorder] : [];
  }

  beforeDrain(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.recorder?.flush();
  }
}
