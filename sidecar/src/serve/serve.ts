import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServeConfig } from '../config/serve-config.js';
import { AskrError } from '../errors.js';
import { LocalFrontBus } from '../ipc/front-bus.js';
import type { Logger } from '../log/logger.js';
import { TemplateProcess } from '../php/template-process.js';
import { TemplateClient, type TemplateHello } from '../php/template-client.js';
import { GAUGE_REGION, GaugeBoard } from '../shm/gauge-board.js';
import { ShmRegion } from '../shm/shm-region.js';
import { buildAdminApp } from '../admin/admin-server.js';
import { VERSION } from '../version.js';
import { sumByLabel } from '../metrics/prom-text.js';
import { AdminBackend } from './admin-backend.js';
import { ShmCache } from '../cache/shm-cache.js';
import { CacheAdmin, cacheAdminRouter } from '../cache/cache-admin.js';
import { startFrontRuntime, type FrontRuntime } from './front-runtime.js';
import { FrontCluster } from './front-cluster.js';
import { layoutRegions, parseHostPort, shmStamp, urlOf } from './serve-layout.js';
import { openPeerService } from '../peers/open-peer-service.js';
import { clusterSignals, hubSignals } from '../peers/ring-signals.js';

/** A running `askr serve`. */
export interface ServeHandle {
  url: string;
  adminUrl: string | null;
  config: ServeConfig;
  /** Graceful: stop accepting, finish in-flight requests and deferred work, stop PHP. */
  shutdown(): Promise<void>;
}

/**
 * Starts everything `askr serve` runs: the shared-memory region, the PHP
 * template (or a connection to one in another container), the front
 * process(es), the admin listener. Resolves once the app answers requests.
 * With one front process everything lives in this process; with more, they are
 * cluster workers and this process supervises them.
 */
export async function startServe(config: ServeConfig, log: Logger): Promise<ServeHandle> {
  const shm = ShmRegion.open({ path: config.shm, regions: layoutRegions(config), stamp: shmStamp(config), mode: 'create' });
  const gauges = new GaugeBoard(shm.int32(GAUGE_REGION.name));
  gauges.setLimits(config.workersMin, config.workersMax);
  log.info(`shared memory ${shm.reused ? 'reused' : 'created'} at ${config.shm} (${shm.layout.totalSize} bytes)`);
  // The admin API reads and invalidates the same store the front processes use.
  const cacheStore = config.responseCache > 0 ? ShmCache.fromRegion(shm, { maxEntryBytes: config.responseCacheMaxEntry }) : null;
  if (cacheStore && shm.reused && cacheStore.prepare()) log.info('response cache: kept from the previous run, checked and repaired');
  // Links to the app's other pods (docs/many-pods.md): built before the front processes, started with the admin listener.
  const peers = openPeerService(config, shm, cacheStore?.store, log);

  // Written once a shutdown has drained: a template in another container waits for it (docs/lifecycle.md).
  const drainedMarker = join(config.runDir, DRAINED_MARKER);
  rmSync(drainedMarker, { force: true });

  let template: TemplateProcess | null = null;
  let templateSocket = config.templateSocket;
  if (templateSocket === undefined) {
    templateSocket = join(config.runDir, 'template.sock');
    template = new TemplateProcess({
      phpBinary: config.phpBinary,
      runDir: config.runDir,
      socketPath: templateSocket,
      root: config.root,
      workerScript: config.workerScript,
      phpIni: config.phpIni ?? [],
      onLog: (line) => {
        process.stderr.write(`php: ${line}\n`);
      },
    });
    template.start();
  }
  const raceTemplate = <T>(p: Promise<T>): Promise<T> => (template ? Promise.race([p, template.exitedEarly()]) : p);

  let single: FrontRuntime | null = null;
  let cluster: FrontCluster | null = null;
  let url: string;
  try {
    if (config.httpProcs === 1) {
      const bus = new LocalFrontBus();
      single = await raceTemplate(startFrontRuntime({ config, procIndex: 0, procs: 1, templateSocket, shm, bus, log, defaultMetrics: true }));
      if (peers && single.features.hub) peers.signals.attach(hubSignals(single.features.hub, bus));
      await raceTemplate(single.front.pool.waitForWorker(60_000));
      single.front.publishNow();
      const hello = single.front.template.hello;
      log.info(`PHP ${hello?.php ?? '?'} template (${hello?.mode ?? config.mode} mode) booted the app in ${hello?.bootMs ?? '?'} ms`);
      const listen = parseHostPort(config.listen);
      url = urlOf(await single.front.listen(listen.host, listen.port));
    } else {
      cluster = new FrontCluster(config, templateSocket, log);
      peers?.signals.attach(clusterSignals(cluster));
      url = urlOf(await raceTemplate(cluster.start(90_000)));
    }
  } catch (err) {
    await single?.close();
    await cluster?.stop(2000);
    await peers?.service.close();
    await template?.stop(2000);
    if (config.runDirIsTemporary) rmSync(config.runDir, { recursive: true, force: true });
    throw err;
  }

  // The mode the template runs in (in a pod, the app container decides it).
  let hello: TemplateHello | null = single?.front.template.hello ?? null;
  if (!hello) {
    const probe = new TemplateClient(templateSocket);
    hello = await probe.connect(10_000).finally(() => {
      probe.close();
    });
  }
  const mode = hello.mode;

  let draining = false;
  const backend = new AdminBackend(config, templateSocket, log);
  let admin: Server | null = null;
  let adminUrl: string | null = null;
  if (config.adminListen !== 'off') {
    const frontMetrics = async (): Promise<{ contentType: string; body: string }> => {
      if (single) return { contentType: single.registry.contentType, body: await single.registry.metrics() };
      return (cluster as FrontCluster).metrics();
    };
    const metricsOf = async (): Promise<{ contentType: string; body: string }> => {
      const m = await frontMetrics();
      return peers ? { ...m, body: m.body + (await peers.service.metrics.registry.metrics()) } : m;
    };
    const app = buildAdminApp({
      token: config.adminToken,
      maxCeiling: 4096,
      metrics: metricsOf,
      status: async () => {
        const t = gauges.total(config.httpProcs);
        // Hit and miss counts live in the front processes' counters.
        const results = cacheStore ? sumByLabel((await metricsOf()).body, 'askr_cache_requests_total', 'result') : {};
        return {
          version: VERSION,
          pid: process.pid,
          uptimeSeconds: Math.round(process.uptime()),
          mode,
          httpProcs: t.procs,
          workers: { min: t.min, max: t.max, alive: t.alive, busy: t.busy, idle: t.idle, desired: t.desired, starting: t.starting },
          queue: { depth: t.queued, limit: config.queueSize * config.httpProcs },
          cache: cacheStore
            ? { ...cacheStore.store.stats(), hits: results.hit ?? 0, misses: results.miss ?? 0, stale: results.stale ?? 0, bypasses: results.bypass ?? 0 }
            : null,
          pusher: config.pusher ? { connections: t.connections } : null,
          peers: peers ? peers.service.status() : null,
        };
      },
      readiness: () => {
        const reasons: string[] = [];
        const t = gauges.total(config.httpProcs);
        if (draining) reasons.push('draining');
        if (t.procs < config.httpProcs) reasons.push(`${config.httpProcs - t.procs} front process(es) not running`);
        if (single && !single.front.template.connected) reasons.push('PHP template not connected');
        if (t.alive === 0) reasons.push('no PHP worker ready');
        return { ready: reasons.length === 0, reasons };
      },
      limits: () => {
        const l = gauges.limits();
        return { min: l.min, max: l.max };
      },
      setLimits: ({ min, max }) => {
        if (max < config.httpProcs) return `"max" must be at least the number of front processes (${config.httpProcs})`;
        gauges.setLimits(min, max);
        log.info(`workers floor/ceiling set to ${min}/${max}`);
        return null;
      },
      routers: [
        ...backend.routers(),
        ...(cacheStore ? [cacheAdminRouter(new CacheAdmin(cacheStore.store, {
          dropParams: config.responseCacheDropParams,
          ...(peers ? { onForget: (tags: readonly string[]) => { peers.service.recordForget(tags); } } : {}),
        }))] : []),
      ],
    });
    admin = createServer(app);
    admin.on('upgrade', (req, socket, head) => {
      if (!peers?.service.handleUpgrade(req, socket, head)) socket.destroy();
    });
    const a = parseHostPort(config.adminListen);
    try {
      await new Promise<void>((resolve, reject) => {
        admin?.once('error', reject);
        admin?.listen(a.port, a.host, () => {
          resolve();
        });
      });
    } catch (err) {
      await single?.close();
      await cluster?.stop(2000);
      await peers?.service.close();
      await template?.stop(2000);
      throw new AskrError('ASKR_ERR_CONFIG', `--admin-listen: cannot listen on ${config.adminListen}: ${(err as Error).message}`);
    }
    adminUrl = urlOf(admin.address() as AddressInfo);
    peers?.service.start((admin.address() as AddressInfo).port);
  }

  let shutdownPromise: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      draining = true;
      if (single) {
        await single.drain(config.drainTimeout * 1000);
        await single.close();
      }
      await cluster?.stop(config.drainTimeout * 1000 + 5000);
      // No request is left for the template: one we did not start may stop now.
      if (template === null) writeDrainedMarker(drainedMarker, log);
      // After the front processes: their last records (members leaving) still reach the peers.
      await peers?.service.close();
      backend.close();
      admin?.closeAllConnections();
      await new Promise<void>((r) => {
        if (admin) admin.close(() => { r(); });
        else r();
      });
      await template?.stop(5000);
      if (config.runDirIsTemporary) rmSync(config.runDir, { recursive: true, force: true });
    })();
    return shutdownPromise;
  };
  return { url, adminUrl, config, shutdown };
}

/** The file in the run dir that says the sidecar has drained (its template may exit). */
export const DRAINED_MARKER = 'sidecar.drained';

function writeDrainedMarker(path: string, log: Logger): void {
  try {
    writeFileSync(path, `${new Date().toISOString()}\n`);
  } catch (err) {
    log.warn(`cannot write ${path}: ${(err as Error).message}; the template waits out its preStop budget`);
  }
}
