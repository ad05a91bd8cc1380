// Temporary directories of a run (peer configs, sockets, Laravel caches). Each
// is removed by whoever made it when it is done with it; any left when the
// process exits (Ctrl-C, a failure) are removed then.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();
let hooked = false;

/** Whoever makes scratch dirs, they go when the process exits, even on a path that forgot them. */
function remember(dir: string): string {
  dirs.add(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', removeAllScratch);
  }
  return dir;
}

/** Creates /tmp/<prefix>XXXXXX and remembers it. */
export function scratchDir(prefix: string): string {
  return remember(mkdtempSync(join(tmpdir(), prefix)));
}

/** Remembers a directory made elsewhere so that it is removed like the others; returns it. */
export function adoptScratch(dir: string): string {
  return remember(dir);
}

/** Removes one directory made by scratchDir(). */
export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Removes every directory still there (synchronous: runs in an exit handler). */
export function removeAllScratch(): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
