import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { renderHelp, parseOptions } from '../config/parse-options.js';
import { AskrError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { TemplateClient } from '../php/template-client.js';
import { TemplateProcess } from '../php/template-process.js';
import { validateEnvelope } from '../record/envelope.js';
import { formatReplayedResponse, replayBanner } from '../replay/replay-output.js';
import { replayOptions } from '../replay/replay-options.js';
import { replayOnFreshWorker, requestFromEnvelope } from '../replay/replay-runner.js';

/**
 * `askr replay FILE`: runs a recorded request again on a fresh worker forked
 * from a fresh template of the same app, and prints the response. Exit 0 when
 * the replay ran (whatever its status), non-zero when it could not run.
 */
export async function runReplay(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`Usage: askr replay FILE.json [flags]\n\nRe-runs a recorded 5xx (from --record-errors) against a fresh worker.\n${renderHelp(replayOptions)}\n`);
    return 0;
  }
  const { config, positional } = parseOptions(replayOptions, argv);
  const file = positional[0];
  if (file === undefined || positional.length > 1) throw new AskrError('ASKR_ERR_CONFIG', 'askr replay takes exactly one recording file (askr replay --help)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new AskrError('ASKR_ERR_REPLAY', `cannot read ${file}: ${(err as Error).message}`);
  }
  const envelope = validateEnvelope(parsed, file);
  const bodyPath = envelope.request.body.file === null ? null : join(dirname(resolve(file)), envelope.request.body.file);
  const { request, dropped } = await requestFromEnvelope(envelope, bodyPath);
  const root = resolve(config.root ?? envelope.app.root);
  const workerScript = config.classic ? undefined : config.workerScript !== undefined ? resolve(config.workerScript) : (envelope.app.workerScript ?? undefined);
  const log = createLogger({ level: 'warn' });
  if (dropped.length > 0) {
    process.stderr.write(`askr replay: ${dropped.join(', ')} ${dropped.length === 1 ? 'was' : 'were'} redacted when recorded; replaying without ${dropped.length === 1 ? 'it' : 'them'} (record with --record-unredacted to keep credentials)\n`);
  }

  const runDir = mkdtempSync(join(tmpdir(), 'askr-replay-'));
  const socketPath = join(runDir, 'template.sock');
  const template = new TemplateProcess({
    phpBinary: config.phpBinary,
    runDir,
    socketPath,
    root,
    workerScript,
    phpIni: config.phpIni ?? [],
    onLog: (line) => {
      if (!line.startsWith('askr template:')) process.stderr.write(`php: ${line}\n`);
    },
  });
  const client = new TemplateClient(socketPath);
  try {
    template.start();
    await Promise.race([client.connect(30_000), template.exitedEarly()]);
    process.stdout.write(replayBanner(envelope.id, envelope.request.method, envelope.request.uri) + '\n');
    const response = await replayOnFreshWorker(client, workerScript === undefined ? 'classic' : 'worker', runDir, request, config.timeout * 1000, log);
    process.stdout.write(formatReplayedResponse(response.status, response.headers, response.body));
    return 0;
  } finally {
    client.close();
    await template.stop(3000);
    rmSync(runDir, { recursive: true, force: true });
  }
}
