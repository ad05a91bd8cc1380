import type { CacheEntry } from './cache-store.js';

/**
 * One entry as bytes (little-endian), as it lies in the shared arena:
 *
 *   0  u32 magic "AKC1"        4  u32 total length
 *   8  u16 status             10  u8 kind (0 response, 1 vary)   11 u8 reserved
 *  12  u32 key bytes          16  u32 tag count
 *  20  u32 tag names bytes    24  u32 headers bytes   28 u32 body bytes
 *  32  f64 storedAt  40 f64 freshUntil  48 f64 staleUntil  56 f64 errorUntil
 *  64  f64 bornSeq
 *  72  u32 × tag count: tag-table slot of each tag (store-specific)
 *  ..  key (UTF-8) · tag names (JSON) · headers (JSON) · body
 */
export const ENTRY_MAGIC = 0x31434b41;
export const ENTRY_HEADER_BYTES = 72;

/** Encodes an entry; `tagSlot` maps a tag to its slot in the store's tag table. */
export function encodeEntry(entry: CacheEntry, tagSlot: (tag: string) => number): Buffer {
  const key = Buffer.from(entry.key, 'utf8');
  const tags = Buffer.from(JSON.stringify(entry.tags), 'utf8');
  const headers = Buffer.from(JSON.stringify(entry.headers), 'utf8');
  const slotsAt = ENTRY_HEADER_BYTES;
  const keyAt = slotsAt + entry.tags.length * 4;
  const total = keyAt + key.length + tags.length + headers.length + entry.body.length;
  const b = Buffer.allocUnsafe(total);
  b.writeUInt32LE(ENTRY_MAGIC, 0);
  b.writeUInt32LE(total, 4);
  b.writeUInt16LE(entry.status, 8);
  b.writeUInt8(entry.kind === 'vary' ? 1 : 0, 10);
  b.writeUInt8(0, 11);
  b.writeUInt32LE(key.length, 12);
  b.writeUInt32LE(entry.tags.length, 16);
  b.writeUInt32LE(tags.length, 20);
  b.writeUInt32LE(headers.length, 24);
  b.writeUInt32LE(entry.body.length, 28);
  b.writeDoubleLE(entry.storedAt, 32);
  b.writeDoubleLE(entry.freshUntil, 40);
  b.writeDoubleLE(entry.staleUntil, 48);
  b.writeDoubleLE(entry.errorUntil, 56);
  b.writeDoubleLE(entry.bornSeq, 64);
  entry.tags.forEach((t, i) => b.writeUInt32LE(tagSlot(t), slotsAt + i * 4));
  let at = keyAt;
  at += key.copy(b, at);
  at += tags.copy(b, at);
  at += headers.copy(b, at);
  entry.body.copy(b, at);
  return b;
}

/** Length recorded in an encoded entry's header, or -1 if the bytes are not an entry. */
export function encodedLength(head: Buffer): number {
  if (head.length < 8 || head.readUInt32LE(0) !== ENTRY_MAGIC) return -1;
  return head.readUInt32LE(4);
}

/** Reads the tag-table slots without decoding the rest. */
export function entryTagSlots(b: Buffer): Uint32Array {
  const n = b.readUInt32LE(16);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readUInt32LE(ENTRY_HEADER_BYTES + i * 4);
  return out;
}

/**
 * Decodes an entry from bytes the caller owns (the body is a view into them);
 * throws RangeError on bytes that do not hold one.
 */
export function decodeEntry(b: Buffer): CacheEntry {
  if (encodedLength(b) !== b.length) throw new RangeError('not an encoded cache entry');
  const keyLen = b.readUInt32LE(12);
  const tagCount = b.readUInt32LE(16);
  const tagsLen = b.readUInt32LE(20);
  const headersLen = b.readUInt32LE(24);
  const bodyLen = b.readUInt32LE(28);
  let at = ENTRY_HEADER_BYTES + tagCount * 4;
  if (at + keyLen + tagsLen + headersLen + bodyLen !== b.length) throw new RangeError('cache entry lengths disagree');
  const key = b.toString('utf8', at, (at += keyLen));
  const tags = JSON.parse(b.toString('utf8', at, (at += tagsLen))) as string[];
  const headers = JSON.parse(b.toString('utf8', at, (at += headersLen))) as Record<string, string | string[]>;
  // A view, not a copy: callers pass bytes they own (never the shared mapping).
  const body = b.subarray(at, at + bodyLen);
  return Object.freeze({
    key,
    kind: b.readUInt8(10) === 1 ? 'vary' : 'response',
    status: b.readUInt16LE(8),
    headers: Object.freeze(headers),
    body,
    tags: Object.freeze(tags),
    storedAt: b.readDoubleLE(32),
    freshUntil: b.readDoubleLE(40),
    staleUntil: b.readDoubleLE(48),
    errorUntil: b.readDoubleLE(56),
    bornSeq: b.readDoubleLE(64),
  });
}

/** Reads the key only (to confirm a hash match cheaply). */
export function entryKey(b: Buffer): string {
  const keyAt = ENTRY_HEADER_BYTES + b.readUInt32LE(16) * 4;
  return b.toString('utf8', keyAt, keyAt + b.readUInt32LE(12));
}
