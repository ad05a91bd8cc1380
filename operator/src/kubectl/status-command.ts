import type { PodStatus } from '../admin/admin-client.js';
import { errorMessage } from '../errors.js';
import type { CliArgs } from './cli-args.js';
import { formatDuration, formatTable } from './format-table.js';
import type { PluginContext } from './plugin-context.js';
import type { PluginIo } from './plugin-io.js';

/**
 * `kubectl askr status APP`: per pod, workers alive/busy/max, queue depth, the
 * response cache's hit ratio and Pusher connections (every pod is asked in
 * parallel; a pod that fails shows its error). Exit code 1 when any pod failed.
 */
export async function statusCommand(ctx: PluginContext, args: CliArgs, io: PluginIo): Promise<number> {
  const results = await Promise.all(ctx.pods.map(async (pod) => {
    try {
      return { pod, status: await ctx.admin.status(pod), error: undefined };
    } catch (err) {
      return { pod, status: undefined, error: errorMessage(err) };
    }
  }));
  if (args.output === 'json') {
    io.out(`${JSON.stringify(results.map((r) => ({ pod: r.pod.name, ready: r.pod.ready, status: r.status ?? null, error: r.error ?? null })), null, 2)}\n`);
  } else {
    io.out(formatTable(
      ['POD', 'READY', 'MODE', 'WORKERS (ALIVE/BUSY/MAX)', 'QUEUE', 'CACHE HIT', 'CONNECTIONS', 'UPTIME'],
      results.map(({ pod, status, error }) => status
        ? [pod.name, pod.ready ? 'yes' : 'no', status.mode, `${status.workers.alive}/${status.workers.busy}/${status.workers.max}`,
          String(status.queue.depth), hitRatio(status), status.pusher ? String(status.pusher.connections) : '-', formatDuration(status.uptimeSeconds)]
        : [pod.name, pod.ready ? 'yes' : 'no', `error: ${error}`]),
    ));
  }
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

function hitRatio(s: PodStatus): string {
  if (!s.cache) return 'off';
  const total = s.cache.hits + s.cache.misses;
  return total === 0 ? '-' : `${((100 * s.cache.hits) / total).toFixed(1)}%`;
}
