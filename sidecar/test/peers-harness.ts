// In-process pods for the peer-link tests: each has its own shared-memory file
// (broadcast ring, response cache, peer region), one front-process hub whose
// replica stands for what clients would see, the real PeerService on a real
// HTTP listener (port 0), and TCP gates between pods that a test can cut.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BroadcastHub } from '../src/broadcast/broadcast-hub.js';
import { BROADCAST_REGION, broadcastRegions, ringCapacity } from '../src/broadcast/broadcast-regions.js';
import { BroadcastRing } from '../src/broadcast/broadcast-ring.js';
import { openBroadcastHub } from '../src/broadcast/open-broadcast-hub.js';
import type { RingRecord } from '../src/broadcast/ring-record.js';
import { cacheRegions } from '../src/cache/cache-layout.js';
import type { CacheEntry } from '../src/cache/cache-store.js';
import { ShmCache } from '../src/cache/shm-cache.js';
import { LocalFrontBus } from '../src/ipc/front-bus.js';
import { CursorTable } from '../src/peers/cursor-table.js';
import { ForgetLog } from '../src/peers/forget-log.js';
import { peerRegionParts, peerRegions } from '../src/peers/peer-region.js';
import { PeerService } from '../src/peers/peer-service.js';
import type { PeerSettings } from '../src/peers/peer-settings.js';
import { hubSignals, LateSignals } from '../src/peers/ring-signals.js';
import { RingTap } from '../src/peers/ring-tap.js';
import { ChannelReplica } from '../src/pusher/channel-replica.js';
import { ShmRegion } from '../src/shm/shm-region.js';

export { TcpGate } from './peers-tcp-gate.js';

export const SECRET = 'peer-links-test-secret';
const RING = { pusher: true, pusherRingSize: 65536 };

/** One in-process pod. */
export interface TestPod {
  readonly name: string;
  readonly shm: ShmRegion;
  readonly hub: BroadcastHub;
  readonly bus: LocalFrontBus;
  /** What this pod's front process knows: every record its hub applied, and its replica. */
  readonly records: RingRecord[];
  readonly replica: ChannelReplica;
  readonly cache: ShmCache;
  readonly forgetLog: ForgetLog;
  readonly service: PeerService;
  readonly port: number;
  /** Stops this pod (clean: `bye`, front's `gone`). */
  stop(): Promise<void>;
}

export interface PodOptions {
  readonly dir: string;
  readonly name: string;
  /** Peers' addresses (gates). */
  readonly peers: string[];
  readonly timeoutMs?: number;
  /** The pod restarted with its cache kept: hold it until the peers caught it up. */
  readonly holdKeptCache?: boolean;
  readonly secret?: string;
}

/** Starts a pod: shared memory, a front hub, a cache, and the peer service listening on port 0. */
export async function startPod(o: PodOptions): Promise<TestPod> {
  const peerConfig = { peers: ['127.0.0.1:1'], peerLogSize: 65536, responseCache: 1 };
  const shm = ShmRegion.open({ path: join(o.dir, `${o.name}.shm`), regions: [...broadcastRegions(RING), ...cacheRegions(peerConfig), ...peerRegions(peerConfig)], stamp: 'peers', mode: 'create' });
  const cache = ShmCache.fromRegion(shm, { maxEntryBytes: 64 * 1024 });
  const parts = peerRegionParts(shm);
  if (!parts) throw new Error('no peer region');
  const forgetLog = new ForgetLog(parts.log, parts.logCapacity);
  const signals = new LateSignals();
  const limit = (): number => 100;
  const tap = new RingTap(new BroadcastRing(shm.region(BROADCAST_REGION), ringCapacity(RING.pusherRingSize)), signals, limit);
  const http: Server = createHttpServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const settings: PeerSettings = { staticPeers: o.peers, dnsName: undefined, dnsPort: undefined, secret: o.secret ?? SECRET, timeoutMs: o.timeoutMs ?? 10_000, dnsIntervalMs: 1000 };
  const service = new PeerService({
    settings, tap, forgetLog, cursors: new CursorTable(parts.cursors), cache: cache.store, holdKeptCache: o.holdKeptCache ?? false,
    log: { info: () => undefined, warn: () => undefined },
  });
  const bus = new LocalFrontBus();
  const hub = openBroadcastHub(shm, RING, bus);
  const replica = new ChannelReplica(limit);
  const records: RingRecord[] = [];
  hub.subscribe((r) => {
    records.push(r);
    replica.apply(r);
  });
  signals.attach(hubSignals(hub, bus));
  http.on('upgrade', (req, socket, head) => {
    if (!service.handleUpgrade(req, socket, head)) socket.destroy();
  });
  service.start(port);
  let stopped = false;
  return {
    name: o.name, shm, hub, bus, records, replica, cache, forgetLog, service, port,
    async stop() {
      if (stopped) return;
      stopped = true;
      hub.close();
      await service.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => { r(); }));
    },
  };
}

const T0 = Date.now();

/** A cacheable entry born now, tagged. */
export function entry(pod: TestPod, key: string, tags: string[]): CacheEntry {
  return {
    key, kind: 'response', status: 200, headers: {}, body: Buffer.from(key), tags,
    storedAt: T0, freshUntil: T0 + 3_600_000, staleUntil: T0 + 3_600_000, errorUntil: T0 + 3_600_000,
    bornSeq: pod.cache.store.forgetSequence(),
  };
}

/** Polls `check` until it holds, or fails after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads one counter or gauge from the service's metrics. */
export async function metric(pod: TestPod, name: string, labels = ''): Promise<number> {
  const text = await pod.service.metrics.registry.metrics();
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text);
  return Number(m?.[1] ?? NaN);
}
