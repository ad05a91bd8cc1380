import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './errors.js';
import { HarnessRun } from './harness-run.js';
import { KubeApi } from './kube-api.js';
import { ManagedProcess } from './managed-process.js';
import { releasePodSubnet, reservePodSubnet } from './pod-subnet.js';
import type { PodNetworkRange } from './pod-subnet.js';
import { allocatePort, waitFor } from './wait-for.js';

/** The Kubernetes version the harness builds and runs (scripts/setup-k8s.sh pins the same). */
export const k8sVersion = '1.36.3';

/** Binaries the control plane and the journeys need. */
export const k8sBinaries = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl', 'helm'] as const;

/** Where scripts/setup-k8s.sh puts the binaries: `$ASKR_K8S_CACHE/bin`, default `~/.cache/askr/k8s/v<version>/bin`. */
export function k8sBinDir(): string {
  const cache = process.env.ASKR_K8S_CACHE ?? join(homedir(), '.cache', 'askr', 'k8s', `v${k8sVersion}`);
  return join(cache, 'bin');
}

/** Whether every binary exists in the cache (tests skip, with the reason, when not). */
export function controlPlaneAvailable(): boolean {
  const dir = k8sBinDir();
  return k8sBinaries.every((b) => {
    try {
      accessSync(join(dir, b), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Options of `startControlPlane`. */
export interface ControlPlaneOptions {
  /** Run kube-controller-manager (Deployments → ReplicaSets → Pods, garbage collection, service accounts). Default true. */
  controllerManager?: boolean;
}

/**
 * A running test cluster without nodes: etcd, kube-apiserver and (by default)
 * kube-controller-manager on 127.0.0.1, with allocated ports. Start a node agent
 * on it to run pods.
 */
export interface ControlPlane {
  /** Admin kubeconfig (static token in group system:masters). */
  kubeconfigPath: string;
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** Admin bearer token. */
  token: string;
  /** Directory of etcd, kube-apiserver, kubectl, helm … */
  binDir: string;
  /** PEM bundle verifying the API server's self-signed serving certificate. */
  caPath: string;
  /** kube-apiserver's --cert-dir: apiserver.crt (certificate + its CA) and apiserver.key. */
  pkiDir: string;
  /** The pods' /24 and the gateway address the serving certificate includes. */
  podNetwork: PodNetworkRange;
  /** The issuer of service-account tokens. */
  serviceAccountIssuer: string;
  /** A client for the harness's own calls, as admin. */
  api: KubeApi;
  /** Environment for running kubectl/helm against this cluster: KUBECONFIG, PATH with binDir first, HELM_* homes. */
  env: Record<string, string>;
  /** Path of a component's log ('etcd', 'kube-apiserver', 'kube-controller-manager'). */
  logPath(component: string): string;
  /**
   * Stops kube-apiserver and starts it again on the same port and data; open
   * watches break and clients must resume them. kube-apiserver holds HTTP/2
   * watch connections open after SIGTERM, so it is SIGKILLed after `graceMs`
   * (milliseconds, default 3000); etcd keeps every acknowledged write either way.
   */
  restartApiServer(opts?: { graceMs?: number }): Promise<void>;
  /** Stops everything started, removes the files; safe to call twice. */
  stop(): Promise<void>;
}

// Generous: on a loaded 2-core machine kube-apiserver alone can take a minute to become ready.
const startTimeoutMs = 180_000;
const stopGraceMs = 10_000;

/** Starts a control plane; on failure stops whatever it had started and throws with the log tail. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir = k8sBinDir();
  if (!controlPlaneAvailable()) {
    throw new HarnessError('ASKR_ERR_K8S_BINARIES', `expected ${k8sBinaries.join(', ')} in ${binDir}; run scripts/setup-k8s.sh (10-25 minutes the first time)`);
  }
  const run = HarnessRun.current();
  const dir = mkdtempSync(join(run.dir, 'cluster-'));
  mkdirSync(join(dir, 'logs'));
  const podNetwork = reservePodSubnet(run);
  const procs = new Map<string, ManagedProcess>();
  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const name of ['kube-controller-manager', 'kube-apiserver', 'etcd']) await procs.get(name)?.stop(stopGraceMs);
    releasePodSubnet(podNetwork, run);
    rmSync(dir, { recursive: true, force: true });
  };
  const removeHook = run.addExitHook(() => {
    for (const p of procs.values()) p.killGroup();
    releasePodSubnet(podNetwork, run);
  });

  try {
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},askr-e2e-admin,askr-e2e-admin,system:masters\n`, { mode: 0o600 });
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
    const issuer = 'https://kubernetes.default.svc.cluster.local';
    const logPath = (c: string): string => join(dir, 'logs', `${c}.log`);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };

    const etcdPort = await startEtcd(binDir, dir, env, logPath('etcd'), procs);

    const apiPort = await allocatePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const caPath = join(dir, 'pki', 'apiserver.crt');
    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      // The gateway is where pods reach the API server; as the advertised address it
      // lands in the self-signed serving certificate next to 127.0.0.1.
      `--advertise-address=${podNetwork.gateway}`,
      `--cert-dir=${join(dir, 'pki')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${issuer}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      `--service-cluster-ip-range=${podNetwork.serviceCidr}`,
      '--allow-privileged=true',
      // Nodes register no resolvable hostname: reach kubelets (kubectl logs) by address.
      '--kubelet-preferred-address-types=InternalIP',
      '--profiling=false',
      '--v=1',
    ];
    let client: KubeApi | undefined;
    const startApi = async (): Promise<KubeApi> => {
      const proc = ManagedProcess.start({ command: join(binDir, 'kube-apiserver'), args: apiArgs, env, logFile: logPath('kube-apiserver') });
      procs.set('kube-apiserver', proc);
      const exitedWhy = (): string | undefined => (proc.exitStatus ? `kube-apiserver exited:\n${proc.logTail()}` : undefined);
      await waitFor('the serving certificate', { timeoutMs: startTimeoutMs, abortIf: exitedWhy }, () => existsSync(caPath));
      // The certificate stays in --cert-dir, so a restarted API server serves the same one.
      client ??= new KubeApi({ server, token, ca: readFileSync(caPath, 'utf8') });
      const c = client;
      await waitFor('kube-apiserver /readyz', { timeoutMs: startTimeoutMs, intervalMs: 200, abortIf: exitedWhy }, async () => {
        await c.request('GET', '/readyz', { timeoutMs: 5000 });
        return true;
      });
      return c;
    };
    const admin = await startApi();

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig(server, readFileSync(caPath), token), { mode: 0o600 });

    if (opts.controllerManager ?? true) await startControllerManager(binDir, dir, env, logPath('kube-controller-manager'), kubeconfigPath, caPath, procs, admin);

    const cp: ControlPlane = {
      kubeconfigPath,
      server,
      token,
      binDir,
      caPath,
      pkiDir: join(dir, 'pki'),
      podNetwork,
      serviceAccountIssuer: issuer,
      api: admin,
      env: {
        KUBECONFIG: kubeconfigPath,
        PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
        HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
        HELM_DATA_HOME: join(dir, 'helm', 'data'),
      },
      logPath,
      async restartApiServer(restart = {}) {
        await procs.get('kube-apiserver')?.stop(restart.graceMs ?? 3000);
        await startApi();
      },
      async stop() {
        admin.close();
        await stopAll();
        removeHook();
      },
    };
    return cp;
  } catch (err) {
    await stopAll();
    removeHook();
    throw err;
  }
}

async function startEtcd(binDir: string, dir: string, env: Record<string, string>, logFile: string, procs: Map<string, ManagedProcess>): Promise<number> {
  // The ports are free when allocated but may be taken before etcd binds them: retry.
  for (let attempt = 1; ; attempt++) {
    const [client, peer] = [await allocatePort(), await allocatePort()];
    const proc = ManagedProcess.start({
      command: join(binDir, 'etcd'),
      args: [
        '--name=askr-e2e',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=askr-e2e=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      env,
      logFile,
    });
    procs.set('etcd', proc);
    try {
      await waitFor('etcd /health', { timeoutMs: startTimeoutMs, abortIf: () => (proc.exitStatus ? `etcd exited:\n${proc.logTail()}` : undefined) }, async () => {
        const res = await fetch(`http://127.0.0.1:${client}/health`, { signal: AbortSignal.timeout(2000) });
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      });
      return client;
    } catch (err) {
      await proc.stop(stopGraceMs);
      if (attempt >= 3 || !proc.logTail().includes('address already in use')) throw new HarnessError('ASKR_ERR_K8S_START', 'etcd did not start', { cause: err });
      rmSync(join(dir, 'etcd'), { recursive: true, force: true });
    }
  }
}

async function startControllerManager(
  binDir: string,
  dir: string,
  env: Record<string, string>,
  logFile: string,
  kubeconfigPath: string,
  caPath: string,
  procs: Map<string, ManagedProcess>,
  api: KubeApi,
): Promise<void> {
  const proc = ManagedProcess.start({
    command: join(binDir, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      // No serving port: nothing scrapes it, and a fixed default (10257) would collide between runs.
      '--secure-port=0',
      // Each controller acts with its own service account and RBAC role, as in a real cluster.
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      // Published to every namespace as ConfigMap kube-root-ca.crt, which pods mount.
      `--root-ca-file=${caPath}`,
      '--controllers=*',
      '--v=1',
    ],
    env,
    logFile,
  });
  procs.set('kube-controller-manager', proc);
  // The service-account controller creating `default` in `default` shows the controllers run.
  await waitFor('kube-controller-manager (ServiceAccount default/default)', { timeoutMs: startTimeoutMs, intervalMs: 200, abortIf: () => (proc.exitStatus ? `kube-controller-manager exited:\n${proc.logTail()}` : undefined) }, () =>
    api.getOrUndefined('/api/v1/namespaces/default/serviceaccounts/default'),
  );
}

/** An admin kubeconfig. JSON is valid YAML, which is what kubectl and helm read. */
function kubeconfig(server: string, ca: Buffer, token: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'askr-e2e', cluster: { server, 'certificate-authority-data': ca.toString('base64') } }],
      users: [{ name: 'askr-e2e-admin', user: { token } }],
      contexts: [{ name: 'askr-e2e', context: { cluster: 'askr-e2e', user: 'askr-e2e-admin', namespace: 'default' } }],
      'current-context': 'askr-e2e',
    },
    null,
    2,
  );
}
