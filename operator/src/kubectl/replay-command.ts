import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { ReplayResult } from '../admin/admin-client.js';
import { OperatorError } from '../errors.js';
import type { CliArgs } from './cli-args.js';
import { collectErrors } from './errors-command.js';
import type { LocatedError } from './errors-command.js';
import type { PluginContext } from './plugin-context.js';
import type { PluginIo } from './plugin-io.js';

/**
 * `kubectl askr replay APP ERROR_ID`: finds the pod that recorded the error
 * and replays it there on a fresh worker, printing what `askr replay` prints.
 * With `--local`, downloads the recording and runs the local `askr replay`
 * on it instead (exit code: askr's).
 */
export async function replayCommand(ctx: PluginContext, args: CliArgs, io: PluginIo): Promise<number> {
  const id = args.args[1] ?? '';
  const found = await locate(ctx, id);
  if (args.local) return replayLocally(ctx, found, args, io);
  const result = await ctx.admin.replay(podOf(ctx, found), id);
  if (args.output === 'json') io.out(`${JSON.stringify({ pod: found.pod, id, ...result }, null, 2)}\n`);
  else io.out(formatReplay(id, found, result));
  return 0;
}

/** The text `askr replay` prints: the arrow line, the status, the headers, a blank line, the body. */
export function formatReplay(id: string, rec: { method: string; uri: string }, result: ReplayResult): string {
  const head = [`↻ replaying ${id} → ${rec.method} ${rec.uri}`, `HTTP ${result.status}`, ...result.headers.map(([k, v]) => `${k}: ${v}`)];
  const body = result.bodyEncoding === 'base64' ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return `${head.join('\n')}\n\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}`;
}

async function locate(ctx: PluginContext, id: string): Promise<LocatedError> {
  const { errors, failed } = await collectErrors(ctx);
  const hits = errors.filter((e) => e.id === id);
  if (hits.length > 1) {
    throw new OperatorError('ASKR_ERR_USAGE', `error ${id} is recorded in pods ${hits.map((h) => h.pod).join(', ')}; choose one with --pod`);
  }
  const hit = hits[0];
  if (hit) return hit;
  const note = failed.length > 0 ? ` (pods not asked: ${failed.map((f) => f.pod).join(', ')})` : '';
  throw new OperatorError('ASKR_ERR_NOT_FOUND', `no pod of ${ctx.namespace}/${ctx.app} holds recorded error ${id}${note}`);
}

function podOf(ctx: PluginContext, found: LocatedError): PluginContext['pods'][number] {
  const pod = ctx.pods.find((p) => p.name === found.pod);
  if (!pod) throw new OperatorError('ASKR_ERR_NO_PODS', `pod ${found.pod} is gone`);
  return pod;
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** `request.body.file` of a recording, reduced to a plain file name (never a path out of the directory). */
function recordedBodyFile(envelopeText: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(envelopeText);
  } catch (err) {
    throw new OperatorError('ASKR_ERR_ADMIN_API', 'the recording is not JSON', { cause: err });
  }
  const file = (parsed as { request?: { body?: { file?: unknown } } }).request?.body?.file;
  return typeof file === 'string' && file !== '' ? safeName(basename(file)) : undefined;
}

async function replayLocally(ctx: PluginContext, found: LocatedError, args: CliArgs, io: PluginIo): Promise<number> {
  const pod = podOf(ctx, found);
  const envelope = await ctx.admin.errorEnvelope(pod, found.id);
  const temp = args.save === undefined ? mkdtempSync(join(tmpdir(), 'askr-replay-')) : undefined;
  const file = args.save ?? join(temp ?? '.', `${safeName(found.id)}.json`);
  writeFileSync(file, envelope);
  // The request body lives beside the recording (`request.body.file`), where askr replay looks for it.
  const bodyFile = recordedBodyFile(envelope);
  if (bodyFile !== undefined) writeFileSync(join(dirname(resolve(file)), bodyFile), await ctx.admin.errorBody(pod, found.id));
  const cmd = ['replay', file];
  if (args.root !== undefined) cmd.push('--root', args.root);
  if (args.workerScript !== undefined) cmd.push('--worker-script', args.workerScript);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(args.askrBin, cmd, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c: Buffer) => { io.out(c.toString('utf8')); });
      child.stderr.on('data', (c: Buffer) => { io.err(c.toString('utf8')); });
      child.on('error', (err) => {
        reject(new OperatorError('ASKR_ERR_USAGE', `cannot run ${args.askrBin} (set --askr or ASKR_BIN): ${err.message}`, { cause: err }));
      });
      child.on('close', (code) => { resolve(code ?? 1); });
    });
  } finally {
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  }
}
