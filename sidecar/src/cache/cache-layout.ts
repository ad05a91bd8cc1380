import { AskrError } from '../errors.js';
import type { RegionSpec } from '../shm/shm-layout.js';

/**
 * Layout of the `response-cache` shared-memory region. All-zero bytes are a
 * valid empty cache, so a freshly reset file needs no initialisation pass.
 * See docs/design/0002-response-cache.md for the why of each part.
 */
export const CACHE_REGION = 'response-cache';
/** Bump on any change below: a mismatch resets the shared-memory file. */
export const CACHE_REGION_VERSION = 1;
/** Arena block size, bytes. */
export const BLOCK_SIZE = 1024;
/** Slots per index bucket; each key has two candidate buckets. */
export const BUCKET_WAYS = 8;
/** Int32 words per index slot (64 bytes). */
export const SLOT_WORDS = 16;
/** Coalescing table size and slot width. */
export const FLIGHT_SLOTS = 4096;
export const FLIGHT_WAYS = 4;
export const FLIGHT_WORDS = 8;
const META_BYTES = 4096;
const ALIGN = 64;
/** Smallest accepted store. */
export const MIN_CACHE_BYTES = 256 * 1024;

/** Int32 indexes into the meta block. */
export const M = {
  magic: 0,
  version: 1,
  lock: 2,
  lockStart: 3,
  lockStartPid: 4,
  freeHead: 5,
  fresh: 6,
  usedBlocks: 7,
  entries: 8,
  sHead: 9,
  sTail: 10,
  sBlocks: 11,
  mHead: 12,
  mTail: 13,
  mBlocks: 14,
  mEntries: 15,
  ghostClock: 16,
  evictions: 17,
  repairs: 18,
  /** BigInt64 index of the forget sequence (byte 256). */
  forgetSeq64: 32,
  /** Float64 index of the time the lock was taken (byte 264). */
  lockSinceF64: 33,
  /** BigInt64 index of the forget-all barrier (byte 272): entries born below it are invalid. */
  allSeq64: 34,
  /** BigInt64 index of the hold barrier (byte 280): entries born below it are not served; 0 when off. */
  holdSeq64: 35,
} as const;

export const META_MAGIC = 0x4d434b41;

/** Int32 offsets inside an index slot; `expiresF64` is a Float64 index within the slot. */
export const S = {
  seq: 0,
  state: 1,
  hashLo: 2,
  hashHi: 3,
  first: 4,
  last: 5,
  length: 6,
  nblocks: 7,
  freq: 8,
  queue: 9,
  newer: 10,
  older: 11,
  flags: 12,
  /** Float64 index within the slot (byte 56): end of the entry's last window, ms. */
  expiresF64: 7,
} as const;

export const SLOT_LIVE = 1;
export const QUEUE_SMALL = 1;
export const QUEUE_MAIN = 2;
export const FLAG_DEAD = 1;

export interface CacheLayout {
  readonly totalBytes: number;
  readonly blocks: number;
  readonly buckets: number;
  readonly slots: number;
  readonly tagSlots: number;
  readonly offsets: {
    readonly meta: number;
    readonly slots: number;
    readonly next: number;
    readonly ghost: number;
    readonly tags: number;
    readonly flight: number;
    readonly arena: number;
  };
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function place(blocks: number): CacheLayout {
  const buckets = Math.max(2, Math.ceil(blocks / 4 / BUCKET_WAYS));
  const slots = buckets * BUCKET_WAYS;
  const tagSlots = Math.max(4096, pow2AtLeast(4 * slots));
  let at = 0;
  const meta = at;
  at = align(at + META_BYTES);
  const slotsAt = at;
  at = align(at + slots * SLOT_WORDS * 4);
  const next = at;
  at = align(at + blocks * 4);
  const ghost = at;
  at = align(at + slots * 8);
  const tags = at;
  at = align(at + tagSlots * 8);
  const flight = at;
  at = align(at + FLIGHT_SLOTS * FLIGHT_WORDS * 4);
  const arena = at;
  at += blocks * BLOCK_SIZE;
  return { totalBytes: at, blocks, buckets, slots, tagSlots, offsets: { meta, slots: slotsAt, next, ghost, tags, flight, arena } };
}

/**
 * Splits a byte budget into the parts of the store: the budget covers
 * metadata too, so `--response-cache 512` maps 512 MiB, not more.
 */
export function planCacheLayout(totalBytes: number): CacheLayout {
  if (!Number.isFinite(totalBytes) || totalBytes < MIN_CACHE_BYTES) {
    throw new RangeError(`response cache needs at least ${MIN_CACHE_BYTES} bytes`);
  }
  // Per block: the block, its chain word, and its share of slot, ghost and tag words.
  let blocks = Math.floor(totalBytes / (BLOCK_SIZE + 4 + (SLOT_WORDS * 4 + 8) / 4 + 8));
  let layout = place(blocks);
  while (layout.totalBytes > totalBytes) {
    blocks -= Math.max(1, Math.ceil((layout.totalBytes - totalBytes) / BLOCK_SIZE));
    layout = place(blocks);
  }
  return layout;
}

/** Bytes of the store for `--response-cache MB` (0: off). */
export function cacheBytes(megabytes: number): number {
  return Math.floor(megabytes * 1024 * 1024);
}

/**
 * The shared-memory regions the response cache needs, for the shm layout:
 * none when `--response-cache` is 0.
 */
export function cacheRegions(config: { readonly responseCache: number }): RegionSpec[] {
  const bytes = cacheBytes(config.responseCache);
  if (bytes === 0) return [];
  if (bytes < MIN_CACHE_BYTES) {
    throw new AskrError('ASKR_ERR_CONFIG', `--response-cache: ${config.responseCache} MB is too small (0 turns the cache off; otherwise at least ${MIN_CACHE_BYTES / 2 ** 20} MB)`);
  }
  const layout = planCacheLayout(bytes);
  return [{ name: CACHE_REGION, size: layout.totalBytes, version: CACHE_REGION_VERSION }];
}

/** Typed views over the region; every process builds its own over the same bytes. */
export interface CacheViews {
  readonly layout: CacheLayout;
  readonly meta: Int32Array;
  readonly meta64: BigInt64Array;
  readonly metaF64: Float64Array;
  readonly slots: Int32Array;
  readonly slotsF64: Float64Array;
  readonly next: Int32Array;
  readonly ghost: Int32Array;
  readonly tags: BigInt64Array;
  readonly flight: Int32Array;
  readonly flightF64: Float64Array;
  readonly arena: Buffer;
}

/** Builds the views over a region of at least `layout.totalBytes` bytes. */
export function cacheViews(region: Buffer, layout: CacheLayout): CacheViews {
  if (region.byteLength < layout.totalBytes) throw new RangeError('response-cache region smaller than its layout');
  if (region.byteOffset % 8 !== 0) throw new RangeError('response-cache region is not 8-byte aligned');
  const o = layout.offsets;
  const ab = region.buffer;
  const base = region.byteOffset;
  return {
    layout,
    meta: new Int32Array(ab, base + o.meta, 1024),
    meta64: new BigInt64Array(ab, base + o.meta, 512),
    metaF64: new Float64Array(ab, base + o.meta, 512),
    slots: new Int32Array(ab, base + o.slots, layout.slots * SLOT_WORDS),
    slotsF64: new Float64Array(ab, base + o.slots, (layout.slots * SLOT_WORDS) / 2),
    next: new Int32Array(ab, base + o.next, layout.blocks),
    ghost: new Int32Array(ab, base + o.ghost, layout.slots * 2),
    tags: new BigInt64Array(ab, base + o.tags, layout.tagSlots),
    flight: new Int32Array(ab, base + o.flight, FLIGHT_SLOTS * FLIGHT_WORDS),
    flightF64: new Float64Array(ab, base + o.flight, (FLIGHT_SLOTS * FLIGHT_WORDS) / 2),
    arena: region.subarray(o.arena, o.arena + layout.blocks * BLOCK_SIZE),
  };
}
