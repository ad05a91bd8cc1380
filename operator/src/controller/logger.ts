/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The logging surface the controller layer needs. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** A log level name, lowest to highest. */
export type LogLevel = keyof typeof levels;

/**
 * A logger writing one JSON object per line (`{"time","level","msg",…fields}`)
 * to `write` (stderr by default), dropping lines below `level`.
 */
export function jsonLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = levels[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void => {
    if (levels[lvl] < min) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`);
  };
  return {
    debug: (m, f) => { emit('debug', m, f); },
    info: (m, f) => { emit('info', m, f); },
    warn: (m, f) => { emit('warn', m, f); },
    error: (m, f) => { emit('error', m, f); },
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = jsonLogger('silent');
