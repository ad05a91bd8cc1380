import { parseArgs } from 'node:util';
import { OperatorError } from '../errors.js';

/** How `kubectl askr` reaches a pod's admin port. */
export type Via = 'proxy' | 'port-forward' | 'direct';

/** A parsed command line. */
export interface CliArgs {
  command: 'status' | 'errors' | 'replay' | 'forget-tag' | 'help' | 'version';
  /** Positional arguments after the command (APP, ERROR_ID, TAG…). */
  args: string[];
  namespace: string | undefined;
  context: string | undefined;
  kubeconfig: string | undefined;
  via: Via;
  /** Overrides the admin port pods declare. */
  adminPort: number | undefined;
  output: 'text' | 'json';
  /** Deadline of each call to a pod, milliseconds. */
  timeoutMs: number;
  pod: string | undefined;
  local: boolean;
  root: string | undefined;
  workerScript: string | undefined;
  askrBin: string;
  save: string | undefined;
}

/** The help text (`kubectl askr --help`). */
export const usage = `kubectl askr — talk to the pods of an AskrApp

Usage:
  kubectl askr status APP                 workers, queue, cache and connections per pod
  kubectl askr errors APP                 recorded 5xx from every pod, newest first
  kubectl askr replay APP ERROR_ID        replay a recorded request on a fresh worker in its pod
  kubectl askr replay APP ERROR_ID --local [--root DIR] [--worker-script FILE]
                                          download the recording and run \`askr replay\` here
  kubectl askr forget-tag APP TAG...      drop cached responses with these tags in every pod

Options:
  -n, --namespace NS       namespace of the AskrApp (default: the context's, else "default")
      --context NAME       kubeconfig context to use
      --kubeconfig FILE    kubeconfig file (default: $KUBECONFIG, ~/.kube/config)
      --via proxy|port-forward|direct
                           how to reach pods: the API server's pod proxy (default; RBAC get on
                           pods/proxy), a port-forward (create on pods/portforward), or the pod IP
                           straight (from inside the cluster network)
      --admin-port N       the sidecar's admin port (default: the pod's container port
                           named "admin", else 9180)
      --pod NAME           only this pod
      --request-timeout S  seconds to wait for each pod (default 30)
  -o, --output text|json   output format (default text)
      --local              replay: run the recording with a local \`askr replay\`
      --root DIR, --worker-script FILE
                           replay --local: passed to \`askr replay\`
      --askr PATH          replay --local: the askr CLI (default: $ASKR_BIN, else askr on PATH)
      --save FILE          replay --local: where to keep the recording (default: a temp file)
  -h, --help               this text
      --version            the plugin version
`;

const commands = ['status', 'errors', 'replay', 'forget-tag'] as const;

/** Parses argv (without `node` and the script); throws ASKR_ERR_USAGE with a message for the user. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        context: { type: 'string' },
        kubeconfig: { type: 'string' },
        via: { type: 'string' },
        'admin-port': { type: 'string' },
        output: { type: 'string', short: 'o' },
        pod: { type: 'string' },
        'request-timeout': { type: 'string' },
        local: { type: 'boolean' },
        root: { type: 'string' },
        'worker-script': { type: 'string' },
        askr: { type: 'string' },
        save: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new OperatorError('ASKR_ERR_USAGE', (err as Error).message, { cause: err });
  }
  const v = parsed.values;
  const [first, ...rest] = parsed.positionals;
  let command: CliArgs['command'];
  if (v.help === true || first === 'help') command = 'help';
  else if (v.version === true || first === 'version') command = 'version';
  else if (first === undefined) throw new OperatorError('ASKR_ERR_USAGE', 'a command is required (status, errors, replay, forget-tag); see --help');
  else if ((commands as readonly string[]).includes(first)) command = first as CliArgs['command'];
  else throw new OperatorError('ASKR_ERR_USAGE', `unknown command "${first}"; see --help`);

  const need = (n: number, what: string): void => {
    if (rest.length < n) throw new OperatorError('ASKR_ERR_USAGE', `${command} needs ${what}`);
  };
  if (command === 'status' || command === 'errors') need(1, 'APP');
  if (command === 'replay') need(2, 'APP and ERROR_ID');
  if (command === 'forget-tag') need(2, 'APP and at least one TAG');

  const via = v.via ?? 'proxy';
  if (via !== 'proxy' && via !== 'port-forward' && via !== 'direct') {
    throw new OperatorError('ASKR_ERR_USAGE', `--via: expected proxy, port-forward or direct, got "${via}"`);
  }
  const adminPort = v['admin-port'] === undefined ? undefined : Number(v['admin-port']);
  if (adminPort !== undefined && (!Number.isInteger(adminPort) || adminPort < 1 || adminPort > 65535)) {
    throw new OperatorError('ASKR_ERR_USAGE', '--admin-port: expected 1-65535');
  }
  const timeoutSeconds = Number(v['request-timeout'] ?? '30');
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 3600)) throw new OperatorError('ASKR_ERR_USAGE', '--request-timeout: expected seconds, 0-3600');
  const output = v.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new OperatorError('ASKR_ERR_USAGE', `--output: expected text or json, got "${output}"`);
  if ((v.root !== undefined || v['worker-script'] !== undefined || v.save !== undefined) && v.local !== true) {
    throw new OperatorError('ASKR_ERR_USAGE', '--root, --worker-script and --save go with replay --local');
  }
  return {
    command, args: rest, via, adminPort, output, timeoutMs: timeoutSeconds * 1000,
    namespace: v.namespace, context: v.context, kubeconfig: v.kubeconfig ?? undefined,
    pod: v.pod, local: v.local === true, root: v.root, workerScript: v['worker-script'],
    askrBin: v.askr ?? env.ASKR_BIN ?? 'askr', save: v.save,
  };
}
