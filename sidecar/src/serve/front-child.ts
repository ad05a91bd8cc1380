/**
 * Entry point of a front process when `--http-procs` is above 1: the
 * supervisor forks it with the cluster module; it attaches to the pod's shared
 * memory, serves on the shared listener, and drains when told to.
 */
import { ClusterFrontBus } from '../ipc/cluster-front-bus.js';
import { createLogger } from '../log/logger.js';
import type { ServeConfig } from '../config/serve-config.js';
import { ShmRegion } from '../shm/shm-region.js';
import { AggregatorRegistry } from 'prom-client';
import { startFrontRuntime } from './front-runtime.js';
import { layoutRegions, parseHostPort, shmStamp } from './serve-layout.js';

interface ChildSetup {
  config: ServeConfig;
  procIndex: number;
  procs: number;
  templateSocket: string;
}

async function main(): Promise<void> {
  const setup = JSON.parse(process.env.ASKR_FRONT_SETUP ?? '{}') as ChildSetup;
  const { config, procIndex, procs } = setup;
  const log = createLogger({ json: process.env.ASKR_LOG_FORMAT === 'json', prefix: `askr[${procIndex}]` });
  const shm = ShmRegion.open({ path: config.shm, regions: layoutRegions(config), stamp: shmStamp(config), mode: 'attach' });
  const runtime = await startFrontRuntime({
    config,
    procIndex,
    procs,
    templateSocket: setup.templateSocket,
    shm,
    bus: new ClusterFrontBus(procIndex, procs),
    log,
    defaultMetrics: true,
  });
  // Constructing one installs prom-client's listener that answers the supervisor's scrapes.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([runtime.registry]);
  await runtime.front.pool.waitForWorker(60_000);
  runtime.front.publishNow();
  const listen = parseHostPort(config.listen);
  const address = await runtime.front.listen(listen.host, listen.port);
  process.send?.({ askrFront: 'ready', port: address.port, address: address.address, family: address.family });
  process.on('message', (msg: unknown) => {
    if (typeof msg === 'object' && msg !== null && (msg as { askrFront?: string }).askrFront === 'drain') {
      void runtime
        .drain(config.drainTimeout * 1000)
        .then(() => runtime.close())
        .finally(() => process.exit(0));
    }
  });
  // The supervisor owns signals; a front process only drains when it says so.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
}

main().catch((err: unknown) => {
  process.stderr.write(`askr front: ${(err as Error).message}\n`);
  process.exit(1);
});
