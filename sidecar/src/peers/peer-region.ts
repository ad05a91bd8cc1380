import { RING_HEADER_SIZE, ringCapacity } from '../broadcast/broadcast-regions.js';
import type { RegionSpec } from '../shm/shm-layout.js';
import type { ShmRegion } from '../shm/shm-region.js';
import { peersEnabled } from './peer-settings.js';

/** Name of the shared-memory region of the peer links. */
export const PEERS_REGION = 'peers';
/** Bump when the region's byte format changes: a mismatch resets the file. */
export const PEERS_REGION_VERSION = 1;
/** Bytes of the cursor table at the start of the region. */
export const CURSOR_TABLE_BYTES = 4096;

/** The configuration the region is sized from. */
export interface PeerRegionConfig {
  readonly peers?: readonly string[] | undefined;
  readonly peerDns?: string | undefined;
  readonly peerLogSize: number;
  /** MB; the region exists only with a response cache to keep consistent. */
  readonly responseCache: number;
}

/**
 * The region of a pod whose sidecar has peers and a response cache: the
 * cursors of the peers' forget logs this pod applied (kept across restarts,
 * like the cache they protect), then this pod's own forget log, a ring of the
 * broadcast ring's format. Empty without peers or without a cache.
 */
export function peerRegions(config: PeerRegionConfig): RegionSpec[] {
  if (!peersEnabled(config) || config.responseCache <= 0) return [];
  return [{ name: PEERS_REGION, size: CURSOR_TABLE_BYTES + RING_HEADER_SIZE + ringCapacity(config.peerLogSize), version: PEERS_REGION_VERSION }];
}

/** The two parts of the region in a mapped file, or undefined when the layout has no such region. */
export function peerRegionParts(shm: ShmRegion): { cursors: Buffer; log: Buffer; logCapacity: number } | undefined {
  if (!shm.has(PEERS_REGION)) return undefined;
  const region = shm.region(PEERS_REGION);
  const log = region.subarray(CURSOR_TABLE_BYTES);
  // The region is page-rounded; the ring uses whole 8-byte words of what is left after its header.
  const logCapacity = Math.floor((log.length - RING_HEADER_SIZE) / 8) * 8;
  return { cursors: region.subarray(0, CURSOR_TABLE_BYTES), log, logCapacity };
}
