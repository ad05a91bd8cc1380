// A fixture that holds a cluster (or part of one) in a child test process: the
// cleanup tests kill it and check that nothing it started is left behind.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { onceWithin } from '../../src/k8s/wait-for.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface HeldFixture<T> {
  child: ChildProcessByStdio<null, Readable, null>;
  /** The fixture's first stdout line, a JSON report that it is ready. */
  report: T;
}

/**
 * Starts `fixture` with tsx and waits (bounded) for its ready report; the
 * child is SIGKILLed after the suite, or at once when it never reports.
 */
export async function holdFixture<T>(fixture: string, what: string): Promise<HeldFixture<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout });
  let line: string;
  try {
    [line] = (await onceWithin(lines, 'line', 240_000, `${what} (its first stdout line)`)) as [string];
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    lines.close();
  }
  return { child, report: JSON.parse(line) as T };
}
