import { constants } from 'node:os';
import type { TestFile } from './test-files.js';

/**
 * How one test file ended. `failed`: it exited non-zero; the others are errors
 * (it did not finish on its own): killed by a signal, over --timeout, stopped
 * by Ctrl-C, or the template could not run it.
 */
export type Outcome = 'passed' | 'failed' | 'signal' | 'timeout' | 'interrupted' | 'error';

/** The result of one test file. */
export interface FileResult {
  file: TestFile;
  outcome: Outcome;
  /** Exit status when it exited. */
  status: number | null;
  /** Signal name (SIGSEGV) when a signal ended it. */
  signal: string | null;
  /** Wall time from fork to reap, in milliseconds. */
  ms: number;
  /** What the file printed, stdout and stderr in order. */
  output: string;
  /** Why, for the report line: "exit 1", "signal SIGSEGV", "timeout after 600s"; '' when passed. */
  detail: string;
  /** The runner's JUnit log of this file (PHPUnit's), when it wrote one. */
  junitLog: string | null;
}

/** Signal name for a number, e.g. 11 → "SIGSEGV". */
export function signalName(signal: number): string {
  for (const [name, n] of Object.entries(constants.signals)) if (n === signal) return name;
  return `signal ${signal}`;
}

export interface ExitFacts {
  status: number | null;
  signal: number | null;
  ms: number;
  /** Set by the CLI when it killed the file itself. */
  killedFor?: 'timeout' | 'interrupted';
  timeoutSeconds?: number;
  /** The template could not run it (fork failed). */
  error?: string;
}

/** Classifies how a child ended (pure). */
export function fileResult(file: TestFile, facts: ExitFacts, output: string, junitLog: string | null): FileResult {
  const signal = facts.signal === null ? null : signalName(facts.signal);
  const base = { file, status: facts.status, signal, ms: facts.ms, output, junitLog };
  if (facts.error !== undefined) return { ...base, outcome: 'error', detail: facts.error };
  // Exiting 0 just as the CLI gave up on it still counts: the file finished on its own.
  if (facts.status === 0) return { ...base, outcome: 'passed', detail: '' };
  if (facts.killedFor === 'timeout') return { ...base, outcome: 'timeout', detail: `timeout after ${facts.timeoutSeconds ?? 0}s` };
  if (facts.killedFor === 'interrupted') return { ...base, outcome: 'interrupted', detail: 'interrupted' };
  if (signal !== null) return { ...base, outcome: 'signal', detail: `killed by ${signal}` };
  return { ...base, outcome: 'failed', detail: `exit ${facts.status ?? '?'}` };
}
