import type { FrontBus } from '../ipc/front-bus.js';
import type { ShmRegion } from '../shm/shm-region.js';
import { BroadcastHub, type BroadcastHubOptions } from './broadcast-hub.js';
import { BROADCAST_REGION, ringCapacity, type BroadcastRegionConfig } from './broadcast-regions.js';
import { BroadcastRing } from './broadcast-ring.js';
import { ProcTable } from './proc-table.js';

/**
 * Maps the broadcast ring of an open shared-memory file and starts this front
 * process's hub on it (slot claimed, wake-ups subscribed, snapshot requested).
 * `region` must have been opened with `broadcastRegions(config)` in its layout.
 */
export function openBroadcastHub(
  shm: ShmRegion,
  config: BroadcastRegionConfig,
  bus: FrontBus,
  options: Omit<BroadcastHubOptions, 'ring' | 'procs' | 'bus'> = {},
): BroadcastHub {
  const region = shm.region(BROADCAST_REGION);
  const ring = new BroadcastRing(region, ringCapacity(config.pusherRingSize), options.pid !== undefined ? { pid: options.pid } : {});
  const hub = new BroadcastHub({ ...options, ring, procs: new ProcTable(region), bus });
  hub.start();
  return hub;
}
