import type { RegionSpec } from '../shm/shm-layout.js';

/** Name of the shared-memory region that holds the broadcast ring. */
export const BROADCAST_REGION = 'broadcast';

/** Bump when the ring's byte format changes: a mismatch resets the file. */
export const BROADCAST_REGION_VERSION = 1;

/** Bytes before the ring's data area: control words, ring id, front-process table. */
export const RING_HEADER_SIZE = 8192;

/** Front-process slots in the header; `--http-procs` is at most 64. */
export const RING_PROC_SLOTS = 64;

/**
 * Byte offsets inside the region header (all little-endian, 8-byte aligned).
 * The 32-bit words are used through an Int32Array, the 64-bit ones through a
 * BigInt64Array, so that every access can be an `Atomics` operation.
 */
export const ringOffsets = {
  /** i32: 0 = never set up, 1 = being set up, 2 = ready. */
  state: 0,
  /** i32: pid of the process holding the append lock, 0 when free. */
  lockOwner: 4,
  /** i32: data capacity in bytes, checked on attach. */
  capacity: 8,
  /** i64: logical end of the last published record. */
  head: 16,
  /** i64: logical end of the bytes a writer has claimed (≥ head). */
  reserved: 24,
  /** i64: logical start of the oldest record still intact. */
  tail: 32,
  /** i64: sequence number of the next record (the first is 1). */
  nextSeq: 40,
  /** 16 ASCII bytes: random id of this ring, part of SSE event ids and origins. */
  ringId: 64,
  ringIdLength: 16,
  /** Front-process table: RING_PROC_SLOTS entries of 32 bytes. */
  procTable: 128,
  procSlotSize: 32,
  /** Within a slot: i32 pid, i32 incarnation, i64 heartbeat (ms since epoch). */
  slotPid: 0,
  slotIncarnation: 4,
  slotHeartbeat: 8,
} as const;

/** The part of the serve configuration the ring's size comes from. */
export interface BroadcastRegionConfig {
  /** Ring data size in bytes (`--pusher-ring-size`). */
  readonly pusherRingSize: number;
  /** Whether the real-time stack is on (`--pusher`); off means no region at all. */
  readonly pusher: boolean;
}

/**
 * The shared-memory regions the real-time stack needs: one region holding the
 * ring header and `pusherRingSize` bytes of records. Empty when `--pusher` is off.
 */
export function broadcastRegions(config: BroadcastRegionConfig): RegionSpec[] {
  if (!config.pusher) return [];
  return [{ name: BROADCAST_REGION, size: RING_HEADER_SIZE + ringCapacity(config.pusherRingSize), version: BROADCAST_REGION_VERSION }];
}

/** Ring data capacity for a requested size: a multiple of 8 bytes, at least 64 KiB. */
export function ringCapacity(requested: number): number {
  return Math.max(65536, Math.floor(requested / 8) * 8);
}
