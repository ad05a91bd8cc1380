import { statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';

/** Which PHP script runs a request, relative to the document root, and its PATH_INFO. */
export interface ResolvedScript {
  script: string;
  pathInfo: string;
}

const CACHE_MS = 1000;

/**
 * Classic mode's routing, as nginx's usual PHP-FPM setup does it
 * (`fastcgi_split_path_info ^(.+\.php)(/.+)$` and
 * `try_files $uri $uri/ /index.php?$query_string`): an existing .php file,
 * with the rest of the path as PATH_INFO; a directory's index.php; otherwise the
 * front controller index.php; otherwise nothing (404).
 */
export class ScriptResolver {
  private readonly root: string;
  private readonly cache = new Map<string, { result: ResolvedScript | null; at: number }>();

  constructor(root: string) {
    this.root = normalize(root).replace(/\/+$/, '');
  }

  resolve(urlPath: string): ResolvedScript | null {
    const now = performance.now();
    const hit = this.cache.get(urlPath);
    if (hit && now - hit.at < CACHE_MS) return hit.result;
    const result = this.compute(urlPath);
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(urlPath, { result, at: now });
    return result;
  }

  private compute(urlPath: string): ResolvedScript | null {
    let path: string;
    try {
      path = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (path.includes('\0') || path.split('/').some((s) => s === '..' || (s.startsWith('.') && s !== ''))) return null;
    const segments = path.split('/').filter((s) => s !== '');
    for (let i = 0; i < segments.length; i++) {
      if (!/\.php$/i.test(segments[i] ?? '')) continue;
      const script = segments.slice(0, i + 1).join('/');
      if (this.isFile(script)) {
        const rest = segments.slice(i + 1).join('/');
        return { script, pathInfo: rest === '' ? (path.endsWith('/') && i + 1 === segments.length ? '/' : '') : `/${rest}${path.endsWith('/') ? '/' : ''}` };
      }
    }
    // A request for a .php file that does not exist is a 404, never the front controller
    // (nginx: `location ~ \.php$ { try_files $uri =404; }`).
    if (segments.some((s) => /\.php$/i.test(s))) return null;
    const dirIndex = [...segments, 'index.php'].join('/');
    if (segments.length > 0 && this.isFile(dirIndex)) return { script: dirIndex, pathInfo: '' };
    if (this.isFile('index.php')) return { script: 'index.php', pathInfo: '' };
    return null;
  }

  private isFile(relative: string): boolean {
    const full = normalize(join(this.root, relative));
    if (!full.startsWith(this.root + sep)) return false;
    try {
      return statSync(full).isFile();
    } catch {
      return false;
    }
  }
}
