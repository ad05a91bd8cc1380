import { errorMessage, OperatorError } from '../errors.js';
import { parseCliArgs, usage } from './cli-args.js';
import { errorsCommand } from './errors-command.js';
import { forgetTagCommand } from './forget-tag-command.js';
import { openPluginContext } from './plugin-context.js';
import type { PluginIo } from './plugin-io.js';
import { replayCommand } from './replay-command.js';
import { statusCommand } from './status-command.js';

/** The plugin's version (the operator package's). */
export const pluginVersion = '0.1.0';

/**
 * Runs one `kubectl askr` command line and returns the exit code: 0 done,
 * 1 a pod or the API failed, 2 bad usage. Errors are written to `io.err`
 * with their code, never thrown.
 */
export async function runPlugin(argv: string[], env: NodeJS.ProcessEnv, io: PluginIo): Promise<number> {
  try {
    const args = parseCliArgs(argv, env);
    if (args.command === 'help') {
      io.out(usage);
      return 0;
    }
    if (args.command === 'version') {
      io.out(`kubectl-askr ${pluginVersion}\n`);
      return 0;
    }
    const ctx = await openPluginContext(args, args.args[0] ?? '');
    try {
      if (args.command === 'status') return await statusCommand(ctx, args, io);
      if (args.command === 'errors') return await errorsCommand(ctx, args, io);
      if (args.command === 'replay') return await replayCommand(ctx, args, io);
      return await forgetTagCommand(ctx, args, io);
    } finally {
      await ctx.close();
    }
  } catch (err) {
    const code = err instanceof OperatorError ? err.code : 'ASKR_ERR_KUBE_API';
    io.err(`error: ${errorMessage(err)} [${code}]\n`);
    return err instanceof OperatorError ? err.exitCode : 1;
  }
}
