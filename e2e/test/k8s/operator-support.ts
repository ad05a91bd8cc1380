// Shared setup of the operator and kubectl-askr journeys: a control plane with
// the AskrApp CRD installed, the operator running in-process, pods registered
// by hand (the journeys run without a node agent), and sidecar admin
// endpoints that answer the admin API contract.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { AdminTransport } from '../../../operator/src/admin/admin-transport.js';
import { registerAskrAppController } from '../../../operator/src/app/askr-app-controller.js';
import type { Controller } from '../../../operator/src/controller/controller.js';
import { jsonLogger, silentLogger } from '../../../operator/src/controller/logger.js';
import type { Logger } from '../../../operator/src/controller/logger.js';
import { Operator } from '../../../operator/src/controller/operator.js';
import type { AskrApp, AskrAppSpecInput } from '../../../operator/src/crd/askr-app-schema.js';
import { isStatus } from '../../../operator/src/kube/kube-api-error.js';
import { KubeClient } from '../../../operator/src/kube/kube-client.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { loadKubeConfig } from '../../../operator/src/kube/load-kube-config.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { startControlPlane } from '../../src/k8s/control-plane.js';
import type { ControlPlane, ControlPlaneOptions } from '../../src/k8s/control-plane.js';
import { waitFor } from '../../src/k8s/wait-for.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** A logger for journeys: silent unless ASKR_E2E_LOG=debug|info. */
export function testLogger(): Logger {
  const level = process.env.ASKR_E2E_LOG;
  return level === 'debug' || level === 'info' ? jsonLogger(level) : silentLogger;
}

/** A control plane with the AskrApp CRD established and a client for it. */
export interface OperatorCluster {
  cp: ControlPlane;
  client: KubeClient;
  stop(): Promise<void>;
}

/** Starts a control plane, applies `crds/askr.dev_askrapps.yaml` and waits for it to be Established. */
export async function startOperatorCluster(opts: ControlPlaneOptions = {}): Promise<OperatorCluster> {
  const cp = await startControlPlane(opts);
  try {
    const client = new KubeClient(loadKubeConfig({ kubeconfig: cp.kubeconfigPath }));
    const crd = yaml.load(readFileSync(join(root, 'crds', 'askr.dev_askrapps.yaml'), 'utf8')) as KubeObject;
    await client.apply(resourceTypes.customResourceDefinitions, crd, 'askr-e2e');
    await waitFor('the AskrApp CRD to be Established', { timeoutMs: 30_000, intervalMs: 100 }, async () => {
      const got = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(resourceTypes.customResourceDefinitions, undefined, 'askrapps.askr.dev');
      return got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    return { cp, client, stop: () => cp.stop() };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

/**
 * Creates a namespace with its `default` ServiceAccount (which the
 * ServiceAccount admission plugin wants before a pod is accepted; without the
 * controller manager nobody else creates it).
 */
export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create(resourceTypes.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  try {
    await client.create({ group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }, {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name },
    });
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
  }
}

/** Creates an AskrApp. */
export function createApp(client: KubeClient, namespace: string, name: string, spec: AskrAppSpecInput): Promise<AskrApp> {
  return client.create(resourceTypes.askrApps, { apiVersion: 'askr.dev/v1alpha1', kind: 'AskrApp', metadata: { name, namespace }, spec } as unknown as AskrApp);
}

/** The operator running in-process with the AskrApp controller. */
export interface RunningOperator {
  operator: Operator;
  controller: Controller<AskrApp>;
  stop(): Promise<void>;
}

/** Starts the operator (no leader election) on a client. */
export async function startOperator(client: KubeClient, opts: { transport?: AdminTransport; identity?: string; timerTickMs?: number } = {}): Promise<RunningOperator> {
  const operator = new Operator({ client, log: testLogger(), name: 'askr.dev/operator', identity: opts.identity ?? 'askr-e2e-operator' });
  const controller = registerAskrAppController(operator, {
    sidecarImage: 'askr-e2e/sidecar:dev',
    ...(opts.transport ? { transport: opts.transport } : {}),
    ...(opts.timerTickMs !== undefined ? { timerTickMs: opts.timerTickMs } : {}),
  });
  await operator.start();
  return { operator, controller, stop: () => operator.stop() };
}

/**
 * Registers a running, ready pod of an app by hand (create, then the status
 * subresource), as a kubelet would report it.
 */
export async function registerPod(client: KubeClient, namespace: string, app: string, name: string, ip: string, adminPort?: number): Promise<void> {
  const ports = adminPort === undefined ? [] : [{ name: 'admin', containerPort: adminPort, protocol: 'TCP' }];
  await client.create(resourceTypes.pods, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { 'askr.dev/app': app } },
    spec: { automountServiceAccountToken: false, containers: [{ name: 'sidecar', image: 'askr-e2e/sidecar:dev', ports }] },
  } as KubeObject);
  await setPodReady(client, namespace, name, ip, true);
}

/** Sets a pod's phase Running, its IP and its Ready condition. */
export async function setPodReady(client: KubeClient, namespace: string, name: string, ip: string, ready: boolean): Promise<void> {
  await client.patch(resourceTypes.pods, namespace, name, {
    status: {
      phase: 'Running', podIP: ip, podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
    },
  }, { subresource: 'status' });
}

/** What a pod's admin endpoint reports and remembers. */
export interface AdminState {
  alive: number;
  busy: number;
  queue: number;
  min: number;
  max: number;
  /** GET /metrics answered. */
  scrapes: number;
  /** Ceilings set with PUT /askr/workers, in order. */
  puts: number[];
  errors: { id: string; time: string; method: string; uri: string; status: number }[];
  envelopes: Record<string, unknown>;
  /** Recorded request bodies (GET /askr/errors/{id}/body). */
  bodies: Record<string, Buffer>;
  replays: Record<string, { status: number; headers: [string, string][]; body: string; bodyEncoding?: 'utf8' | 'base64' }>;
  forgotten: string[][];
  /** When true the endpoint accepts connections and never answers (a stuck pod). */
  silent: boolean;
}

/**
 * One pod's admin endpoint (port 9180 in a real pod) speaking the admin API
 * contract: token in `Authorization: Bearer` or `X-Askr-Token`, `/metrics` in
 * Prometheus text, `/askr/status`, `PUT /askr/workers`, `/askr/errors…`,
 * `POST /askr/cache/forget-tag`. Listens on an OS-chosen port.
 */
export class AdminEndpoint {
  readonly state: AdminState;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly token: () => string;

  constructor(token: () => string, init: Partial<AdminState> = {}) {
    this.token = token;
    this.state = { alive: 2, busy: 0, queue: 0, min: 2, max: 2, scrapes: 0, puts: [], errors: [], envelopes: {}, bodies: {}, replays: {}, forgotten: [], silent: false, ...init };
    this.server = createServer((req, res) => { void this.handle(req, res); });
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  /** Listens on `host` with an OS-chosen port; resolves with the port. */
  async listen(host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.state.silent) return;
    const body = Buffer.concat(chunks).toString('utf8');
    const s = this.state;
    const json = (status: number, v: unknown): void => { res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(v)); };
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if ((req.headers['x-askr-token'] ?? bearer) !== this.token()) {
      json(401, { error: 'admin token required' });
      return;
    }
    const url = req.url ?? '/';
    const m = /^\/askr\/errors\/([^/]+)(\/replay|\/body)?$/.exec(url);
    if (url === '/metrics') {
      s.scrapes++;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end([
        '# TYPE askr_queue_depth gauge', `askr_queue_depth ${s.queue}`,
        `askr_workers_alive ${s.alive}`, `askr_workers_busy ${s.busy}`, `askr_workers_max ${s.max}`, `askr_workers_min ${s.min}`,
        'askr_requests_total{code="200"} 10', '',
      ].join('\n'));
    } else if (url === '/askr/status') {
      json(200, {
        version: '0.1.0', pid: 42, uptimeSeconds: 3725, mode: 'worker',
        workers: { min: s.min, max: s.max, alive: s.alive, busy: s.busy, idle: s.alive - s.busy, desired: s.alive },
        queue: { depth: s.queue, limit: 1024 }, cache: { entries: 3, bytes: 4096, hits: 9, misses: 1 }, pusher: { connections: 5 },
      });
    } else if (url === '/askr/workers' && req.method === 'PUT') {
      const b = JSON.parse(body) as { max?: unknown };
      if (typeof b.max !== 'number' || !Number.isInteger(b.max) || b.max < s.min) {
        json(400, { error: 'max must be an integer ≥ min' });
        return;
      }
      s.max = b.max;
      s.puts.push(b.max);
      json(200, { min: s.min, max: s.max });
    } else if (url === '/askr/errors') {
      json(200, { errors: s.errors });
    } else if (m?.[1] !== undefined && m[2] === undefined && req.method === 'GET') {
      const env = s.envelopes[decodeURIComponent(m[1])];
      if (env === undefined) json(404, { error: 'no such recorded error' });
      else json(200, env);
    } else if (m?.[1] !== undefined && m[2] === '/body' && req.method === 'GET') {
      const b = s.bodies[decodeURIComponent(m[1])];
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(b ?? Buffer.alloc(0));
    } else if (m?.[1] !== undefined && m[2] === '/replay' && req.method === 'POST') {
      const r = s.replays[decodeURIComponent(m[1])];
      if (r === undefined) json(404, { error: 'no such recorded error' });
      else json(200, r);
    } else if (url === '/askr/cache/forget-tag' && req.method === 'POST') {
      const tags = (JSON.parse(body) as { tags: string[] }).tags;
      s.forgotten.push(tags);
      json(200, { forgotten: tags });
    } else {
      json(404, { error: 'not found' });
    }
  }
}

/** Reads the admin token the operator generated for an app. */
export async function adminToken(client: KubeClient, namespace: string, app: string): Promise<string> {
  const secret = await waitFor(`the admin Secret of ${app}`, { timeoutMs: 30_000, intervalMs: 100 }, () =>
    client.get<KubeObject & { data?: Record<string, string> }>(resourceTypes.secrets, namespace, `${app}-askr-admin`));
  return Buffer.from(secret.data?.['admin-token'] ?? '', 'base64').toString('utf8');
}

/** Events (events.k8s.io/v1) about an object, by reason. */
export async function eventsAbout(client: KubeClient, namespace: string, name: string): Promise<{ reason: string; note: string; type: string; series?: { count: number } }[]> {
  const list = await client.list<KubeObject & { reason: string; note: string; type: string; regarding: { name: string }; series?: { count: number } }>(resourceTypes.events, { namespace });
  return list.items.filter((e) => e.regarding.name === name).map((e) => ({ reason: e.reason, note: e.note, type: e.type, ...(e.series ? { series: e.series } : {}) }));
}
