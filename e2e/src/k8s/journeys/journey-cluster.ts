import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../../../operator/src/kube/kube-client.js';
import { loadKubeConfig } from '../../../../operator/src/kube/load-kube-config.js';
import { HarnessError } from '../errors.js';
import { repoRoot } from '../images.js';
import type { Pod } from '../pod-types.js';
import { clusterSkipReason, podReady, startTestCluster } from '../test-cluster.js';
import type { TestCluster } from '../test-cluster.js';
import { waitFor } from '../wait-for.js';

/** The chart under test. */
export const chartDir = join(repoRoot, 'helm', 'askr');
/** Namespace and name of the Helm release every journey installs. */
export const release = { namespace: 'askr-system', name: 'askr' } as const;
/** Selects the operator's pods (the chart's labels). */
export const operatorSelector = 'app.kubernetes.io/instance=askr,app.kubernetes.io/name=askr';

/** Exit code and output of one command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A test cluster with the chart installed the way a user installs it
 * (`helm install askr ./helm/askr`): the CRD, the operator running as a pod
 * under the chart's ServiceAccount and RBAC, and the real sidecar and PHP
 * runtime in the apps' pods.
 */
export interface JourneyCluster {
  cluster: TestCluster;
  /** Admin client (client-node) for what the journeys read. */
  client: KubeClient;
  /** Standard output of `helm install`. */
  installOutput: string;
  /** Runs `kubectl` against the cluster, with `kubectl-askr` (the built plugin) on PATH. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** Runs `helm` against the cluster. */
  helm(args: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /** The operator's running pod (there is one replica); waits, bounded, until it is Ready. */
  operatorPod(timeoutMs?: number): Promise<Pod>;
  /** Stops the cluster and removes the plugin's directory; safe to call twice. */
  stop(): Promise<void>;
}

/** Options of `startJourneyCluster`. */
export interface JourneyClusterOptions {
  /** Extra `helm install` arguments (`--set`, `-f`). */
  helmArgs?: string[];
  /** Namespaces to create (with their default ServiceAccount) before the install. */
  namespaces?: string[];
}

/** Why the journeys cannot run here (for `{ skip }`), or false when they can. */
export function journeySkipReason(): string | false {
  for (const built of ['sidecar/dist/cli/main.js', 'operator/dist/main.js', 'operator/dist/kubectl/main.js']) {
    if (!existsSync(join(repoRoot, built))) return `${built} is missing: run npm run build`;
  }
  return clusterSkipReason();
}

/**
 * Starts a control plane and a node agent, installs the chart with `helm
 * install --wait` (so the operator pod is Ready when this resolves) and puts
 * the built `kubectl-askr` on the PATH kubectl uses. Everything is stopped
 * again if any step fails.
 */
export async function startJourneyCluster(opts: JourneyClusterOptions = {}): Promise<JourneyCluster> {
  const cluster = await startTestCluster();
  const binDir = mkdtempSync(join(tmpdir(), 'askr-journey-bin-'));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await cluster.stop();
    rmSync(binDir, { recursive: true, force: true });
  };
  try {
    // kubectl runs any `kubectl-<name>` on PATH as `kubectl <name>`, as after `npm install -g @askr/operator`.
    writeFileSync(join(binDir, 'kubectl-askr'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'operator', 'dist', 'kubectl', 'main.js')}" "$@"\n`);
    chmodSync(join(binDir, 'kubectl-askr'), 0o755);
    const env = { ...cluster.cp.env, PATH: `${binDir}:${cluster.cp.env.PATH ?? ''}` };
    const kubectl: JourneyCluster['kubectl'] = (args, o = {}) => runCommand('kubectl', args, env, o.timeoutMs ?? 60_000, o.input);
    const helm: JourneyCluster['helm'] = (args, o = {}) => runCommand('helm', args, env, o.timeoutMs ?? 240_000);
    const client = new KubeClient(loadKubeConfig({ kubeconfig: cluster.cp.kubeconfigPath }));
    for (const ns of opts.namespaces ?? []) await cluster.createNamespace(ns);

    const install = await helm(['install', release.name, chartDir, '--namespace', release.namespace, '--create-namespace', '--wait', '--timeout', '180s', ...(opts.helmArgs ?? [])]);
    if (install.code !== 0) throw new HarnessError('ASKR_ERR_K8S_PROCESS', `helm install failed (${install.code}): ${install.stderr}`);

    const operatorPod = async (timeoutMs = 120_000): Promise<Pod> => {
      let last = '';
      return waitFor(`a Ready operator pod in ${release.namespace}`, { timeoutMs, intervalMs: 250 }, async () => {
        const pods = await cluster.api.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${release.namespace}/pods`, { query: { labelSelector: operatorSelector } });
        const live = pods.items.filter((p) => p.metadata.deletionTimestamp === undefined);
        last = live.map((p) => `${p.metadata.name}: ${JSON.stringify(p.status?.conditions ?? [])}`).join('; ');
        return live.length === 1 && podReady(live[0] as Pod) ? live[0] : undefined;
      }).catch((err: unknown) => {
        throw new HarnessError('ASKR_ERR_K8S_TIMEOUT', `${(err as Error).message}; pods: ${last}`, { cause: err });
      });
    };
    return { cluster, client, installOutput: install.stdout, kubectl, helm, operatorPod, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Runs a command to completion (killed after `timeoutMs`), feeding `input` on stdin. */
function runCommand(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number, input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== null) stderr += `\n(${cmd} stopped by ${signal} after at most ${timeoutMs} ms)`;
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}
