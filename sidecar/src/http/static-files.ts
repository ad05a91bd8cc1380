import { createReadStream, promises as fs, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { mimeType } from './mime-types.js';

/** Extensions that are code, never bytes to hand out. */
const SCRIPT_EXTENSIONS = /\.(php\d?|phtml|phar|inc)$/i;

export interface StaticEntry {
  path: string;
  stat: Stats;
  etag: string;
  lastModified: string;
  type: string;
  /** Small files are kept in memory. */
  data: Buffer | null;
}

const SMALL_FILE = 64 * 1024;
const REVALIDATE_MS = 1000;
const MAX_ENTRIES = 4096;

/**
 * Static files from the document root: never PHP sources or dotfiles, correct
 * content types, ETag/If-None-Match and Last-Modified/If-Modified-Since (304),
 * one byte range (206, or 416 when unsatisfiable). Lookups are remembered for a
 * second and small files are served from memory.
 */
export class StaticFiles {
  private readonly root: string;
  private readonly entries = new Map<string, { entry: StaticEntry | null; checkedAt: number }>();

  constructor(root: string) {
    this.root = normalize(root).replace(/\/+$/, '');
  }

  /** Maps a URL path to a file path under the root, or null when it must not be served. */
  resolvePath(urlPath: string): string | null {
    // Cheap refusals first: they are most of what a PHP app's URLs look like.
    if (urlPath.endsWith('.php') || urlPath === '/' || urlPath.includes('/.')) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (decoded.includes('\0')) return null;
    const segments = decoded.split('/');
    if (segments.some((s) => s.startsWith('.') && s !== '')) return null;
    if (SCRIPT_EXTENSIONS.test(decoded)) return null;
    const full = normalize(join(this.root, decoded));
    if (full !== this.root && !full.startsWith(this.root + sep)) return null;
    return full;
  }

  /**
   * The remembered answer for this URL path while it is fresh: an entry, null
   * (not a static file), or undefined (unknown: call lookup()). Lets the hot path
   * skip a promise for the common case.
   */
  cached(urlPath: string): StaticEntry | null | undefined {
    const hit = this.entries.get(urlPath);
    return hit && performance.now() - hit.checkedAt < REVALIDATE_MS ? hit.entry : undefined;
  }

  /**
   * True when this URL path is certainly not a static file (the plain front's
   * question, which cannot wait for an asynchronous lookup). A path not checked
   * in the last second costs one stat(); finding no file is remembered like a lookup.
   */
  isNotStatic(urlPath: string): boolean {
    const known = this.cached(urlPath);
    if (known !== undefined) return known === null;
    const path = this.resolvePath(urlPath);
    if (path === null) return true;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile() === true) return false;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(urlPath, { entry: null, checkedAt: performance.now() });
    return true;
  }

  /** The file to serve for this URL path, or null when it is not a static file. */
  async lookup(urlPath: string): Promise<StaticEntry | null> {
    const now = performance.now();
    const cached = this.entries.get(urlPath);
    if (cached && now - cached.checkedAt < REVALIDATE_MS) return cached.entry;
    const path = this.resolvePath(urlPath);
    let entry: StaticEntry | null = null;
    if (path !== null) {
      try {
        const stat = await fs.stat(path);
        if (stat.isFile()) {
          const previous = cached?.entry;
          entry =
            previous && previous.stat.mtimeMs === stat.mtimeMs && previous.stat.size === stat.size
              ? previous
              : {
                  path,
                  stat,
                  etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
                  lastModified: stat.mtime.toUTCString(),
                  type: mimeType(path),
                  data: stat.size <= SMALL_FILE ? await fs.readFile(path) : null,
                };
        }
      } catch {
        entry = null;
      }
    }
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(urlPath, { entry, checkedAt: now });
    return entry;
  }

  /** Writes the response for a looked-up file. Returns the status sent. */
  serve(req: IncomingMessage, res: ServerResponse, entry: StaticEntry): number {
    const size = entry.stat.size;
    const headers: Record<string, string | number> = {
      'Content-Type': entry.type,
      ETag: entry.etag,
      'Last-Modified': entry.lastModified,
      'Accept-Ranges': 'bytes',
    };
    if (notModified(req, entry)) {
      res.writeHead(304, { ETag: entry.etag, 'Last-Modified': entry.lastModified });
      res.end();
      return 304;
    }
    const ifRange = req.headers['if-range'];
    const range = parseRange(req.headers.range, Array.isArray(ifRange) ? ifRange[0] : ifRange, entry, size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Range Not Satisfiable\n');
      return 416;
    }
    const [start, end] = range ?? [0, size - 1];
    const length = size === 0 ? 0 : end - start + 1;
    headers['Content-Length'] = length;
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    const status = range ? 206 : 200;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
    } else if (entry.data) {
      res.end(range ? entry.data.subarray(start, end + 1) : entry.data);
    } else {
      const stream = createReadStream(entry.path, { start, end });
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    }
    return status;
  }
}

function notModified(req: IncomingMessage, entry: StaticEntry): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm.split(',').some((t) => {
      const tag = t.trim();
      return tag === '*' || tag === entry.etag || tag === `W/${entry.etag}`;
    });
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(entry.stat.mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

function parseRange(header: string | undefined, ifRange: string | undefined, entry: StaticEntry, size: number): [number, number] | null | 'unsatisfiable' {
  if (!header?.startsWith('bytes=')) return null;
  if (ifRange !== undefined && ifRange !== entry.etag && ifRange !== entry.lastModified) return null;
  const spec = header.slice(6).trim();
  if (spec.includes(',')) return null; // several ranges: send the whole file
  const m = /^(\d*)-(\d*)$/.exec(spec);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
