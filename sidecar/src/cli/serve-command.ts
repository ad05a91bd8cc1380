import { parseServeConfig, serveHelp } from '../config/serve-config.js';
import { createLogger } from '../log/logger.js';
import { startServe } from '../serve/serve.js';

/**
 * `askr serve`: parse flags, start, print one JSON "listening" line on stdout,
 * and drain gracefully on SIGTERM/SIGINT (exit 0 once in-flight requests and
 * deferred work are done).
 */
export async function runServe(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(serveHelp() + '\n');
    return 0;
  }
  const config = parseServeConfig(argv);
  const log = createLogger({ json: process.env.ASKR_LOG_FORMAT === 'json', level: process.env.ASKR_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
  const handle = await startServe(config, log);
  process.stdout.write(JSON.stringify({ event: 'listening', url: handle.url, admin: handle.adminUrl, pid: process.pid, mode: config.mode }) + '\n');
  log.info(`serving ${config.root} on ${handle.url}${handle.adminUrl ? ` (admin ${handle.adminUrl})` : ''}`);
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn(`second ${signal}: exiting now`);
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: draining (up to ${config.drainTimeout}s)`);
      handle.shutdown().then(
        () => {
          log.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          log.error(`shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
