// A front process in a child process, for tests that SIGKILL one: it attaches to the shared-memory
// file given in argv, serves Pusher on port 0 and prints {"port"} — or, with "hold-lock", takes the
// ring's append lock, prints {"locked":true} and never lets go.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { broadcastRegions, BROADCAST_REGION, ringCapacity } from '../../sidecar/src/broadcast/broadcast-regions.js';
import { BroadcastRing } from '../../sidecar/src/broadcast/broadcast-ring.js';
import { openBroadcastHub } from '../../sidecar/src/broadcast/open-broadcast-hub.js';
import { LocalFrontBus, type FrontBus } from '../../sidecar/src/ipc/front-bus.js';
import { PusherService } from '../../sidecar/src/pusher/pusher-service.js';
import { ShmRegion } from '../../sidecar/src/shm/shm-region.js';
import { APP, pusherConfig } from './pusher-harness.js';

const [shmPath, mode, procIndex] = process.argv.slice(2);
const config = pusherConfig();
const shm = ShmRegion.open({ path: shmPath ?? '', regions: broadcastRegions(config), stamp: 'pusher-test', mode: 'attach' });

if (mode === 'hold-lock') {
  const ring = new BroadcastRing(shm.region(BROADCAST_REGION), ringCapacity(config.pusherRingSize));
  ring.lock.acquire();
  process.stdout.write(`${JSON.stringify({ locked: true })}\n`);
  setInterval(() => undefined, 1000);
} else {
  // No bus to the parent: this process learns of new records from the ring's safety poll.
  const local = new LocalFrontBus();
  const bus: FrontBus = { procIndex: Number(procIndex ?? 1), procs: 2, publish: () => undefined, subscribe: (t, h) => local.subscribe(t, h) };
  const hub = openBroadcastHub(shm, config, bus, { syncTimeoutMs: 200 });
  const apps = [{ id: APP.id, key: APP.key, secret: APP.secret, enabled: true, clientEvents: false, clientEventRate: 10, maxPayload: 10240, maxConnections: 0,
    maxChannelsPerConnection: 100, maxPresenceMembers: 100, maxUserInfo: 1024, cacheTtl: 60, subscriptionCount: false, userAuthTimeout: 0, webhooks: [] }];
  const pusher = new PusherService({ config, hub, registry: new Registry(), apps, log: () => undefined });
  const server = createServer((req, res) => {
    if (!pusher.handleRequest(req, res)) res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!pusher.handleUpgrade(req, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
}
