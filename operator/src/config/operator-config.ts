import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { LogLevel } from '../controller/logger.js';
import { OperatorError } from '../errors.js';

/** The operator's settings. */
export interface OperatorConfig {
  sidecarImage: string;
  /** Namespace to watch; undefined = all. */
  watchNamespace: string | undefined;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  healthListen: { host: string; port: number };
  kubeconfig: string | undefined;
  logLevel: LogLevel;
  concurrency: number;
}

interface Setting {
  flag: string;
  env: string;
  default?: string;
  help: string;
}

/**
 * Every setting: a flag, an environment variable (the chart uses these), a
 * default and a line of why. Flags win over the environment.
 */
export const operatorSettings = [
  { flag: 'sidecar-image', env: 'ASKR_SIDECAR_IMAGE', help: 'Sidecar image for AskrApps that do not set spec.sidecarImage. Required.' },
  { flag: 'watch-namespace', env: 'ASKR_WATCH_NAMESPACE', default: '', help: 'Watch AskrApps in this namespace only (empty: all namespaces; needs cluster-wide RBAC).' },
  { flag: 'leader-elect', env: 'ASKR_LEADER_ELECT', default: 'true', help: 'Hold a Lease before acting, so several replicas can run for availability.' },
  { flag: 'lease-name', env: 'ASKR_LEASE_NAME', default: 'askr-operator', help: 'Name of the leader Lease.' },
  { flag: 'lease-namespace', env: 'ASKR_LEASE_NAMESPACE', default: '', help: 'Namespace of the leader Lease. Default: POD_NAMESPACE, else "default".' },
  { flag: 'identity', env: 'POD_NAME', default: '', help: 'This replica\'s name in the Lease and in Events. Default: the host name.' },
  { flag: 'health-listen', env: 'ASKR_HEALTH_LISTEN', default: '0.0.0.0:8081', help: 'Address of /healthz and /readyz (port 0 picks a free port).' },
  { flag: 'kubeconfig', env: 'KUBECONFIG', default: '', help: 'Kubeconfig file. Default: the in-cluster service account, else ~/.kube/config.' },
  { flag: 'log-level', env: 'ASKR_LOG_LEVEL', default: 'info', help: 'debug, info, warn or error. Logs are JSON lines on stderr.' },
  { flag: 'concurrency', env: 'ASKR_RECONCILE_CONCURRENCY', default: '2', help: 'AskrApps reconciled in parallel.' },
] as const satisfies readonly Setting[];

/** Reads the settings from argv and the environment; throws ASKR_ERR_CONFIG naming the flag on a bad value. */
export function loadOperatorConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const options = Object.fromEntries(operatorSettings.map((s) => [s.flag, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as Record<string, string | undefined>;
  } catch (err) {
    throw new OperatorError('ASKR_ERR_CONFIG', (err as Error).message, { cause: err });
  }
  const get = (flag: (typeof operatorSettings)[number]['flag']): string => {
    const s = operatorSettings.find((x) => x.flag === flag);
    if (!s) throw new OperatorError('ASKR_ERR_CONFIG', `unknown setting ${flag}`);
    return parsed[flag] ?? env[s.env] ?? ('default' in s ? s.default : '');
  };
  const bad = (flag: string, why: string): OperatorError => new OperatorError('ASKR_ERR_CONFIG', `--${flag}: ${why}`);

  const sidecarImage = get('sidecar-image');
  if (sidecarImage === '') throw bad('sidecar-image', 'required (or ASKR_SIDECAR_IMAGE)');
  const leaderElect = get('leader-elect');
  if (leaderElect !== 'true' && leaderElect !== 'false') throw bad('leader-elect', `expected true or false, got "${leaderElect}"`);
  const listen = /^(.*):(\d+)$/.exec(get('health-listen'));
  if (!listen || Number(listen[2]) > 65535) throw bad('health-listen', 'expected HOST:PORT');
  const logLevel = get('log-level');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw bad('log-level', `expected debug, info, warn or error, got "${logLevel}"`);
  const concurrency = Number(get('concurrency'));
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw bad('concurrency', 'expected an integer 1-64');
  const kubeconfig = get('kubeconfig');
  return {
    sidecarImage,
    watchNamespace: get('watch-namespace') || undefined,
    leaderElect: leaderElect === 'true',
    leaseName: get('lease-name'),
    leaseNamespace: get('lease-namespace') || env.POD_NAMESPACE || 'default',
    identity: get('identity') || hostname(),
    healthListen: { host: listen[1] ?? '0.0.0.0', port: Number(listen[2]) },
    kubeconfig: kubeconfig === '' ? undefined : kubeconfig,
    logLevel: logLevel as LogLevel,
    concurrency,
  };
}
