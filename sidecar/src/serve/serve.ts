import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import type { ServeConfig } from '../config/serve-config.js';
import { AskrError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import { TemplateProcess } from '../php/template-process.js';
import { WorkerCallRegistry } from '../pool/worker-calls.js';
import { GAUGE_REGION, GaugeBoard } from '../shm/gauge-board.js';
import { ShmRegion } from '../shm/shm-region.js';
import type { RegionSpec } from '../shm/shm-layout.js';
import { buildAdminApp } from '../admin/admin-server.js';
import { Front } from './front.js';
import { VERSION } from '../version.js';

/** A running `askr serve`. */
export interface ServeHandle {
  url: string;
  adminUrl: string | null;
  config: ServeConfig;
  /** Graceful: stop accepting, finish in-flight requests and deferred work, stop PHP. */
  shutdown(): Promise<void>;
}

function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):?(\d+)$/.exec(value.includes(':') ? value : `:${value}`);
  return { host: m?.[1] ?? (m?.[2] === '' || m?.[2] === undefined ? '127.0.0.1' : m[2]), port: Number(m?.[3] ?? 0) };
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** The stamp that decides whether an existing shared-memory file belongs to this app. */
function appStamp(config: ServeConfig): string {
  return createHash('sha256').update(`${config.root}\0${config.workerScript ?? ''}`).digest('hex').slice(0, 32);
}

/**
 * Starts everything `askr serve` runs: the shared-memory region, the PHP
 * template (or a connection to one in another container), the front
 * process(es), the admin listener. Returns once the app answers requests.
 */
export async function startServe(config: ServeConfig, log: Logger): Promise<ServeHandle> {
  const regions: RegionSpec[] = [GAUGE_REGION];
  const shm = ShmRegion.open({ path: config.shm, regions, stamp: appStamp(config), mode: 'create' });
  const gauges = new GaugeBoard(shm.int32(GAUGE_REGION.name));
  gauges.setLimits(config.workersMin, config.workersMax);
  log.info(`shared memory ${shm.reused ? 'reused' : 'created'} at ${config.shm} (${shm.layout.totalSize} bytes)`);

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

  const registry = new Registry();
  const calls = new WorkerCallRegistry();
  let front: Front | null = null;
  const metrics = new SidecarMetrics(registry, () => gauges.total(1), { defaultMetrics: true });
  let draining = false;
  try {
    const starting = Front.start(
      {
        config,
        procIndex: 0,
        procs: 1,
        templateSocket,
        gauges,
        registry,
        metrics,
        calls,
        log,
        routes: [],
        layers: [],
      },
      60_000,
    );
    front = await (template ? Promise.race([starting, template.exitedEarly()]) : starting);
    await (template ? Promise.race([front.pool.waitForWorker(30_000), template.exitedEarly()]) : front.pool.waitForWorker(30_000));
  } catch (err) {
    await front?.close();
    await template?.stop(2000);
    throw err;
  }
  const hello = front.template.hello;
  log.info(`PHP ${hello?.php ?? '?'} template (${hello?.mode ?? config.mode} mode) booted the app in ${hello?.bootMs ?? '?'} ms`);

  const listen = parseHostPort(config.listen);
  const address = await front.listen(listen.host, listen.port);

  let admin: Server | null = null;
  let adminUrl: string | null = null;
  if (config.adminListen !== 'off') {
    const liveFront = front;
    const app = buildAdminApp({
      token: config.adminToken,
      maxCeiling: 4096,
      metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
      status: () => {
        const t = gauges.total(1);
        return {
          version: VERSION,
          pid: process.pid,
          uptimeSeconds: Math.round(process.uptime()),
          mode: config.mode,
          workers: { min: t.min, max: t.max, alive: t.alive, busy: t.busy, idle: t.idle, desired: t.desired, starting: t.starting },
          queue: { depth: t.queued, limit: config.queueSize },
          cache: null,
          pusher: null,
        };
      },
      readiness: () => {
        const reasons: string[] = [];
        if (draining) reasons.push('draining');
        if (!liveFront.template.connected) reasons.push('PHP template not connected');
        if (liveFront.snapshot().alive === 0) reasons.push('no PHP worker ready');
        return { ready: reasons.length === 0, reasons };
      },
      limits: () => {
        const l = gauges.limits();
        return { min: l.min, max: l.max };
      },
      setLimits: ({ min, max }) => {
        gauges.setLimits(min, max);
        log.info(`workers floor/ceiling set to ${min}/${max}`);
        return null;
      },
      routers: [],
    });
    admin = createServer(app);
    const a = parseHostPort(config.adminListen);
    await new Promise<void>((resolve, reject) => {
      admin?.once('error', reject);
      admin?.listen(a.port, a.host, () => {
        resolve();
      });
    }).catch(async (err: unknown) => {
      await front?.close();
      await template?.stop(2000);
      throw new AskrError('ASKR_ERR_CONFIG', `--admin-listen: cannot listen on ${config.adminListen}: ${(err as Error).message}`);
    });
    adminUrl = urlOf(admin.address() as AddressInfo);
  }

  const url = urlOf(address);
  let shutdownPromise: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      draining = true;
      await front.drain(config.drainTimeout * 1000);
      await front.close();
      admin?.closeAllConnections();
      await new Promise<void>((r) => (admin ? admin.close(() => { r(); }) : r()));
      await template?.stop(5000);
      if (config.runDirIsTemporary) rmSync(config.runDir, { recursive: true, force: true });
    })();
    return shutdownPromise;
  };
  return { url, adminUrl, config, shutdown };
}
