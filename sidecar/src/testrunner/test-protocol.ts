import { AskrError } from '../errors.js';

/**
 * The control channel between `askr test` and the PHP test template
 * (php-image/runtime/test-template.php): one JSON object per line over the
 * socket pair on the template's fd 3. docs/askr-test.md documents it.
 */

/** The template has booted: sent once, before anything else. */
export interface ReadyMessage {
  type: 'ready';
  pid: number;
  php: string;
  /** Time to boot (re-exec excluded), in milliseconds. */
  bootMs: number;
  opcache: boolean;
  /** True when each child's stdout and stderr go to its own capture file. */
  capture: boolean;
  kind: 'script' | 'phpunit' | 'custom';
  bootstrap: string | null;
  runner: string | null;
  phpunit: string | null;
  /** Classes the runner declared in the template ahead of the forks. */
  warmed: number;
}

/** A child was forked; `pid` is also its process group. */
export interface StartedMessage {
  type: 'started';
  id: number;
  pid: number;
}

/** A child exited (or could not be forked: pid 0 and `error`). */
export interface ExitedMessage {
  type: 'exited';
  id: number;
  pid: number;
  /** Exit status when it exited, else null. */
  status: number | null;
  /** Signal number when a signal killed it, else null. */
  signal: number | null;
  /** From fork to reap, in milliseconds. */
  ms: number;
  error?: string;
}

/** The template could not boot (the bootstrap threw); it exits next. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type TemplateMessage = ReadyMessage | StartedMessage | ExitedMessage | ErrorMessage;

/** Commands to the template. `kill` signals the child's whole process group. */
export type TemplateCommand =
  | { type: 'run'; id: number; file: string; output: string; junit: string | null }
  | { type: 'kill'; id: number; signal?: number }
  | { type: 'stop' };

function bad(line: string, why: string): never {
  throw new AskrError('ASKR_ERR_PROTOCOL', `test template sent ${why}: ${line.slice(0, 200)}`);
}

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function intOrNull(v: unknown): v is number | null {
  return v === null || (num(v) && Number.isInteger(v));
}

function strOrNull(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

/** Parses and checks one line from the template; throws ASKR_ERR_PROTOCOL when it is not a known message. */
export function parseTemplateMessage(line: string): TemplateMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return bad(line, 'a line that is not JSON');
  }
  if (typeof raw !== 'object' || raw === null) return bad(line, 'a line that is not an object');
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready': {
      const kind = m.kind;
      if (!num(m.pid) || typeof m.php !== 'string' || !num(m.bootMs) || typeof m.opcache !== 'boolean' || typeof m.capture !== 'boolean'
        || (kind !== 'script' && kind !== 'phpunit' && kind !== 'custom') || !strOrNull(m.bootstrap) || !strOrNull(m.runner)
        || !strOrNull(m.phpunit) || !num(m.warmed)) {
        return bad(line, 'a malformed ready message');
      }
      return { type: 'ready', pid: m.pid, php: m.php, bootMs: m.bootMs, opcache: m.opcache, capture: m.capture, kind,
        bootstrap: m.bootstrap, runner: m.runner, phpunit: m.phpunit, warmed: m.warmed };
    }
    case 'started':
      if (!num(m.id) || !num(m.pid)) return bad(line, 'a malformed started message');
      return { type: 'started', id: m.id, pid: m.pid };
    case 'exited': {
      if (!num(m.id) || !num(m.pid) || !intOrNull(m.status) || !intOrNull(m.signal) || !num(m.ms) || (m.error !== undefined && typeof m.error !== 'string')) {
        return bad(line, 'a malformed exited message');
      }
      const msg: ExitedMessage = { type: 'exited', id: m.id, pid: m.pid, status: m.status, signal: m.signal, ms: m.ms };
      if (typeof m.error === 'string') msg.error = m.error;
      return msg;
    }
    case 'error':
      if (typeof m.message !== 'string') return bad(line, 'a malformed error message');
      return { type: 'error', message: m.message };
    default:
      return bad(line, 'an unknown message');
  }
}

/** One command as the line the template reads. */
export function encodeCommand(command: TemplateCommand): string {
  return JSON.stringify(command) + '\n';
}
