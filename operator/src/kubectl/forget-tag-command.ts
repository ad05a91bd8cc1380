import { errorMessage } from '../errors.js';
import type { CliArgs } from './cli-args.js';
import type { PluginContext } from './plugin-context.js';
import type { PluginIo } from './plugin-io.js';

/**
 * `kubectl askr forget-tag APP TAG...`: asks every pod to forget the tags.
 * Sidecars also forward invalidations to their peers; asking every pod makes
 * the result independent of that. Exit code 1 when any pod failed.
 */
export async function forgetTagCommand(ctx: PluginContext, args: CliArgs, io: PluginIo): Promise<number> {
  const tags = args.args.slice(1);
  let failures = 0;
  const results = await Promise.all(ctx.pods.map(async (pod) => {
    try {
      return { pod: pod.name, forgotten: await ctx.admin.forgetTags(pod, tags), error: null };
    } catch (err) {
      failures++;
      return { pod: pod.name, forgotten: [], error: errorMessage(err) };
    }
  }));
  if (args.output === 'json') {
    io.out(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (r.error === null) io.out(`${r.pod}: forgot ${r.forgotten.join(', ') || '(nothing)'}\n`);
      else io.err(`${r.pod}: ${r.error}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}
