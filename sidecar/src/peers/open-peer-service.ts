import { BROADCAST_REGION, ringCapacity } from '../broadcast/broadcast-regions.js';
import { BroadcastRing } from '../broadcast/broadcast-ring.js';
import type { CacheStore } from '../cache/cache-store.js';
import type { ServeConfig } from '../config/serve-config.js';
import type { Logger } from '../log/logger.js';
import { AppRegistry, resolvePusherApps } from '../pusher/pusher-app.js';
import type { ShmRegion } from '../shm/shm-region.js';
import { CursorTable } from './cursor-table.js';
import { ForgetLog } from './forget-log.js';
import { peerRegionParts } from './peer-region.js';
import { PeerService } from './peer-service.js';
import { peerSettings } from './peer-settings.js';
import { LateSignals } from './ring-signals.js';
import { RingTap } from './ring-tap.js';

/** A pod's peer links, and the signals to connect to its front processes once they run. */
export interface PeerWiring {
  readonly service: PeerService;
  /** Attach `hubSignals` (one front process) or `clusterSignals` (several) as soon as they exist. */
  readonly signals: LateSignals;
}

/**
 * Builds the peer links of `askr serve` from its configuration, or undefined
 * without --peers/--peer-dns. Call it before the front processes start (the
 * ring tap must see everything they write, and a kept cache is held before
 * they serve from it); start the service once the admin listener is up.
 * Throws ASKR_ERR_CONFIG for bad peer options.
 */
export function openPeerService(config: ServeConfig, shm: ShmRegion, cache: CacheStore | undefined, log: Logger): PeerWiring | undefined {
  const settings = peerSettings(config);
  if (!settings) return undefined;
  const signals = new LateSignals();
  let tap: RingTap | undefined;
  if (config.pusher) {
    const apps = new AppRegistry(resolvePusherApps(config).apps);
    const ring = new BroadcastRing(shm.region(BROADCAST_REGION), ringCapacity(config.pusherRingSize));
    tap = new RingTap(ring, signals, (app) => apps.findById(app)?.maxPresenceMembers ?? 100);
  }
  const parts = cache ? peerRegionParts(shm) : undefined;
  const forgetLog = parts ? new ForgetLog(parts.log, parts.logCapacity) : undefined;
  const cursors = parts ? new CursorTable(parts.cursors) : undefined;
  const holdKeptCache = shm.reused && cache !== undefined && cache.stats().entries > 0;
  // A hold left by a sidecar stopped while it waited concerns entries that are gone or held again now.
  if (!holdKeptCache) cache?.release();
  const service = new PeerService({
    settings, tap, forgetLog, cursors, cache, holdKeptCache,
    log: { info: (m) => { log.info(m); }, warn: (m) => { log.warn(m); } },
  });
  if (holdKeptCache) log.info(`peers: holding the kept cache until the peers have caught this pod up (at most ${config.peerTimeout}s)`);
  return { service, signals };
}
