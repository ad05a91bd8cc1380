/**
 * Layout of the shared-memory file. A fixed 4 KiB header (magic, layout version,
 * app stamp, region table) lets a restarted sidecar decide between reusing the
 * mapping (same layout, same app) and resetting it.
 *
 * Header (little-endian):
 *   0   magic "ASKRSHM\0"            8 bytes
 *   8   layout version               u32
 *   12  region count                 u32
 *   16  total size                   u64
 *   24  created at (ms since epoch)  u64
 *   32  state (0 init, 1 ready)      u32
 *   36  reserved                     u32
 *   40  app stamp (ascii, 0-padded)  64 bytes
 *   104 reserved up to 128
 *   128 region table: 32 entries x 64 bytes
 *         0  name (ascii, 0-padded)  32 bytes
 *         32 offset                  u64
 *         40 size                    u64
 *         48 region version          u32
 *         52 reserved                12 bytes
 */
export const SHM_MAGIC = 'ASKRSHM\0';
export const SHM_LAYOUT_VERSION = 1;
export const SHM_HEADER_SIZE = 4096;
export const SHM_MAX_REGIONS = 32;
export const SHM_STATE_READY = 1;
const PAGE = 4096;

export const headerOffsets = {
  magic: 0,
  layoutVersion: 8,
  regionCount: 12,
  totalSize: 16,
  createdAt: 24,
  state: 32,
  stamp: 40,
  stampLength: 64,
  regionTable: 128,
  regionEntrySize: 64,
  regionName: 0,
  regionNameLength: 32,
  regionOffset: 32,
  regionSize: 40,
  regionVersion: 48,
} as const;

/** What a feature asks for: a named region of at least `size` bytes. */
export interface RegionSpec {
  /** Unique, at most 31 ASCII characters. */
  readonly name: string;
  /** Bytes; rounded up to a whole page. */
  readonly size: number;
  /** Bump when the region's internal format changes: a mismatch resets the file. */
  readonly version: number;
}

/** A region placed in the file. */
export interface PlacedRegion extends RegionSpec {
  readonly offset: number;
}

export interface Layout {
  readonly regions: readonly PlacedRegion[];
  readonly totalSize: number;
}

/** Places regions one after another, page-aligned, after the header. */
export function planLayout(specs: readonly RegionSpec[]): Layout {
  if (specs.length > SHM_MAX_REGIONS) throw new RangeError(`at most ${SHM_MAX_REGIONS} shared-memory regions`);
  const seen = new Set<string>();
  let offset = SHM_HEADER_SIZE;
  const regions: PlacedRegion[] = [];
  for (const spec of specs) {
    if (!/^[\x21-\x7e]{1,31}$/.test(spec.name)) throw new RangeError(`bad region name "${spec.name}"`);
    if (seen.has(spec.name)) throw new RangeError(`duplicate region "${spec.name}"`);
    if (!Number.isSafeInteger(spec.size) || spec.size <= 0) throw new RangeError(`region "${spec.name}" needs a positive size`);
    seen.add(spec.name);
    const size = Math.ceil(spec.size / PAGE) * PAGE;
    regions.push({ ...spec, size, offset });
    offset += size;
  }
  return { regions, totalSize: offset };
}
