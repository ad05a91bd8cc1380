import { closeSync, ftruncateSync, fstatSync, openSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import mmapModule from '@riaskov/mmap-io';
import { AskrError } from '../errors.js';
import {
  headerOffsets as H,
  planLayout,
  SHM_HEADER_SIZE,
  SHM_LAYOUT_VERSION,
  SHM_MAGIC,
  SHM_STATE_READY,
  type Layout,
  type PlacedRegion,
  type RegionSpec,
} from './shm-layout.js';

export interface ShmOpenOptions {
  path: string;
  regions: readonly RegionSpec[];
  /** Identifies the app (and its cache-relevant settings); a different stamp resets the file. */
  stamp: string;
  /**
   * `create`: the owner (the supervisor) reuses a matching file or resets it.
   * `attach`: a front process maps a file the owner has made ready, and never resets it.
   */
  mode: 'create' | 'attach';
}

/**
 * One shared-memory file mapped MAP_SHARED. Every process that maps it sees the
 * same bytes; `Atomics` on typed arrays over the mapping are real cross-process
 * atomics on x86-64 and arm64.
 */
export class ShmRegion {
  readonly path: string;
  readonly buffer: Buffer;
  readonly layout: Layout;
  /** True when an existing file with the same layout and stamp was kept (cache survives a restart). */
  readonly reused: boolean;
  private readonly byName: Map<string, PlacedRegion>;

  private constructor(path: string, buffer: Buffer, layout: Layout, reused: boolean) {
    this.path = path;
    this.buffer = buffer;
    this.layout = layout;
    this.reused = reused;
    this.byName = new Map(layout.regions.map((r) => [r.name, r]));
  }

  static open(options: ShmOpenOptions): ShmRegion {
    const layout = planLayout(options.regions);
    if (options.stamp.length > H.stampLength) throw new RangeError('shared-memory stamp longer than 64 bytes');
    let fd: number;
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      fd = openSync(options.path, options.mode === 'create' ? 'a+' : 'r+', 0o600);
    } catch (err) {
      throw new AskrError('ASKR_ERR_SHM', `--shm: cannot open ${options.path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const existingSize = fstatSync(fd).size;
      if (options.mode === 'attach' && existingSize !== layout.totalSize) {
        throw new AskrError('ASKR_ERR_SHM', `--shm: ${options.path} has ${existingSize} bytes, expected ${layout.totalSize}`);
      }
      let reuse = false;
      if (existingSize === layout.totalSize) {
        const probe = map(fd, layout.totalSize);
        reuse = matches(probe, layout, options.stamp);
        if (options.mode === 'attach') {
          if (!reuse || probe.readUInt32LE(H.state) !== SHM_STATE_READY) {
            throw new AskrError('ASKR_ERR_SHM', `--shm: ${options.path} is not a ready Askr region for this app`);
          }
          return new ShmRegion(options.path, probe, layout, true);
        }
        if (reuse && probe.readUInt32LE(H.state) === SHM_STATE_READY) {
          return new ShmRegion(options.path, probe, layout, true);
        }
      }
      // Reset: truncating to zero and back gives zeroed pages without writing them.
      ftruncateSync(fd, 0);
      ftruncateSync(fd, layout.totalSize);
      const buffer = map(fd, layout.totalSize);
      writeHeader(buffer, layout, options.stamp);
      return new ShmRegion(options.path, buffer, layout, false);
    } finally {
      closeSync(fd);
    }
  }

  /** The bytes of one region. */
  region(name: string): Buffer {
    const r = this.byName.get(name);
    if (!r) throw new RangeError(`no shared-memory region "${name}"`);
    return this.buffer.subarray(r.offset, r.offset + r.size);
  }

  /** An Int32Array over a region, for Atomics. */
  int32(name: string): Int32Array {
    const b = this.region(name);
    return new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  }

  /** A BigInt64Array over a region, for 64-bit Atomics. */
  bigint64(name: string): BigInt64Array {
    const b = this.region(name);
    return new BigInt64Array(b.buffer, b.byteOffset, b.byteLength >> 3);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}

// The package is CommonJS whose typings declare a default export; at run time the
// default import is module.exports itself.
const mmap = ((mmapModule as unknown as { default?: typeof mmapModule.default }).default ?? mmapModule) as typeof mmapModule.default;

function map(fd: number, size: number): Buffer {
  try {
    return mmap.map(size, (mmap.PROT_READ | mmap.PROT_WRITE) as 3, mmap.MAP_SHARED, fd, 0);
  } catch (err) {
    throw new AskrError('ASKR_ERR_SHM', `--shm: cannot map ${size} bytes: ${(err as Error).message}`, { cause: err });
  }
}

function readAscii(buf: Buffer, offset: number, length: number): string {
  const raw = buf.toString('latin1', offset, offset + length);
  const nul = raw.indexOf('\0');
  return nul === -1 ? raw : raw.slice(0, nul);
}

function matches(buf: Buffer, layout: Layout, stamp: string): boolean {
  if (buf.toString('latin1', H.magic, H.magic + 8) !== SHM_MAGIC) return false;
  if (buf.readUInt32LE(H.layoutVersion) !== SHM_LAYOUT_VERSION) return false;
  if (buf.readUInt32LE(H.regionCount) !== layout.regions.length) return false;
  if (Number(buf.readBigUInt64LE(H.totalSize)) !== layout.totalSize) return false;
  if (readAscii(buf, H.stamp, H.stampLength) !== stamp) return false;
  return layout.regions.every((r, i) => {
    const at = H.regionTable + i * H.regionEntrySize;
    return (
      readAscii(buf, at + H.regionName, H.regionNameLength) === r.name &&
      Number(buf.readBigUInt64LE(at + H.regionOffset)) === r.offset &&
      Number(buf.readBigUInt64LE(at + H.regionSize)) === r.size &&
      buf.readUInt32LE(at + H.regionVersion) === r.version
    );
  });
}

function writeHeader(buf: Buffer, layout: Layout, stamp: string): void {
  buf.fill(0, 0, SHM_HEADER_SIZE);
  buf.write(SHM_MAGIC, H.magic, 'latin1');
  buf.writeUInt32LE(SHM_LAYOUT_VERSION, H.layoutVersion);
  buf.writeUInt32LE(layout.regions.length, H.regionCount);
  buf.writeBigUInt64LE(BigInt(layout.totalSize), H.totalSize);
  buf.writeBigUInt64LE(BigInt(Date.now()), H.createdAt);
  buf.write(stamp, H.stamp, 'latin1');
  layout.regions.forEach((r, i) => {
    const at = H.regionTable + i * H.regionEntrySize;
    buf.write(r.name, at + H.regionName, 'latin1');
    buf.writeBigUInt64LE(BigInt(r.offset), at + H.regionOffset);
    buf.writeBigUInt64LE(BigInt(r.size), at + H.regionSize);
    buf.writeUInt32LE(r.version, at + H.regionVersion);
  });
  // Written last: attachers only accept a fully written header.
  Atomics.store(new Int32Array(buf.buffer, buf.byteOffset, SHM_HEADER_SIZE >> 2), H.state >> 2, SHM_STATE_READY);
}
