import type { RecordedErrorSummary } from '../admin/admin-client.js';
import { errorMessage } from '../errors.js';
import type { CliArgs } from './cli-args.js';
import { formatTable } from './format-table.js';
import type { AppPod, PluginContext } from './plugin-context.js';
import type { PluginIo } from './plugin-io.js';

/** A recorded error and the pod that holds it. */
export interface LocatedError extends RecordedErrorSummary {
  pod: string;
  /** Milliseconds since the epoch, for sorting. */
  at: number;
}

/** Every pod's recorded errors, newest first; pods that fail are reported in `failed`. */
export async function collectErrors(ctx: PluginContext, pods: AppPod[] = ctx.pods): Promise<{ errors: LocatedError[]; failed: { pod: string; error: string }[] }> {
  const failed: { pod: string; error: string }[] = [];
  const lists = await Promise.all(pods.map(async (pod) => {
    try {
      return (await ctx.admin.errors(pod)).map((e): LocatedError => ({ ...e, pod: pod.name, at: toMillis(e.time) }));
    } catch (err) {
      failed.push({ pod: pod.name, error: errorMessage(err) });
      return [];
    }
  }));
  const errors = lists.flat().sort((a, b) => b.at - a.at || a.pod.localeCompare(b.pod));
  return { errors, failed };
}

/** `kubectl askr errors APP`: recorded 5xx from every pod, newest first. */
export async function errorsCommand(ctx: PluginContext, args: CliArgs, io: PluginIo): Promise<number> {
  const { errors, failed } = await collectErrors(ctx);
  for (const f of failed) io.err(`warning: pod ${f.pod}: ${f.error}\n`);
  if (args.output === 'json') {
    io.out(`${JSON.stringify(errors.map(({ at: _at, ...e }) => e), null, 2)}\n`);
  } else if (errors.length === 0) {
    io.out(`no recorded errors in ${ctx.pods.length} pod(s) of ${ctx.namespace}/${ctx.app}\n`);
  } else {
    io.out(formatTable(['TIME', 'POD', 'STATUS', 'METHOD', 'URI', 'ID'],
      errors.map((e) => [Number.isFinite(e.at) ? new Date(e.at).toISOString().replace(/\.\d+Z$/, 'Z') : String(e.time), e.pod, String(e.status), e.method, e.uri, e.id])));
  }
  return failed.length > 0 ? 1 : 0;
}

function toMillis(t: string | number): number {
  if (typeof t === 'number') return t < 1e12 ? t * 1000 : t;
  const n = Date.parse(t);
  return Number.isNaN(n) ? 0 : n;
}
