import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/** One test file to run. */
export interface TestFile {
  /** Absolute path. */
  path: string;
  /** How the report names it: relative to the directory it was found in, or its basename. */
  display: string;
}

/** Directories never scanned: dependencies and hidden folders hold other projects' tests. */
const SKIPPED_DIRS = new Set(['vendor', 'node_modules']);

/** Files a directory scan picks up. */
export const TEST_FILE_SUFFIX = 'Test.php';

function scan(dir: string, into: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) scan(path, into);
    } else if (st.isFile() && name.endsWith(TEST_FILE_SUFFIX) && name.length > TEST_FILE_SUFFIX.length) {
      into.push(path);
    }
  }
}

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The test files under `paths` (absolute files or directories): a file is taken
 * as given, whatever its name; a directory is scanned recursively for
 * `*Test.php`, skipping hidden directories, vendor/ and node_modules/. Each
 * directory's files are sorted by path; a file reached twice runs once.
 */
export function findTestFiles(paths: readonly string[]): TestFile[] {
  const out: TestFile[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    const found: { path: string; display: string }[] = [];
    if (statSync(path).isDirectory()) {
      const files: string[] = [];
      scan(path, files);
      for (const f of files.sort(byPath)) found.push({ path: f, display: relative(path, f) });
    } else {
      found.push({ path, display: basename(path) });
    }
    for (const f of found) {
      const real = realpathSync(f.path);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(f);
    }
  }
  return out;
}
