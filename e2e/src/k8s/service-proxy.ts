import { execFile } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { KubeApi } from './kube-api.js';
import { ListWatch } from './list-watch.js';

interface Service {
  metadata: { uid: string; name: string; namespace: string; resourceVersion?: string };
  spec: { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
}

interface EndpointSlice {
  metadata: { uid: string; namespace: string; labels?: Record<string, string>; resourceVersion?: string };
  ports?: { name?: string; port?: number }[] | null;
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
}

interface Listener {
  server: Server;
  sockets: Set<Socket>;
  next: number;
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve) => {
    execFile('ip', args, { timeout: 10_000 }, () => {
      resolve();
    });
  });
}

/**
 * Makes Service ClusterIPs work, as kube-proxy's userspace mode once did: each
 * ClusterIP becomes a local address on the pods' bridge, and each of its TCP
 * ports a listener that relays every connection to a ready endpoint of the
 * Service, round-robin, from its EndpointSlices. Pods (through their default
 * route) and the host reach Services by ClusterIP. The `kubernetes` Service is
 * left to the API forwarder.
 */
export class ServiceProxy {
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, EndpointSlice>();
  private readonly listeners = new Map<string, Listener>();
  private readonly addresses = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly watches: { stop(): Promise<void> }[] = [];

  private constructor(private readonly bridge: string) {}

  /** Starts watching Services and EndpointSlices of every namespace. */
  static async start(api: KubeApi, bridge: string): Promise<ServiceProxy> {
    const proxy = new ServiceProxy(bridge);
    const services = new ListWatch<Service>(api, '/api/v1/services', (type, svc) => {
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      if (type === 'DELETED') proxy.services.delete(key);
      else proxy.services.set(key, svc);
      proxy.enqueue(key);
    });
    const slices = new ListWatch<EndpointSlice>(api, '/apis/discovery.k8s.io/v1/endpointslices', (type, slice) => {
      if (type === 'DELETED') proxy.slices.delete(slice.metadata.uid);
      else proxy.slices.set(slice.metadata.uid, slice);
    });
    proxy.watches.push(services, slices);
    await slices.start();
    await services.start();
    await proxy.chain;
    return proxy;
  }

  /** Stops relaying and removes the ClusterIP addresses. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watches) await w.stop();
    await this.chain;
    for (const [id, l] of this.listeners) await this.close(id, l);
    for (const a of this.addresses) await ip(['addr', 'del', `${a}/32`, 'dev', this.bridge]);
    this.addresses.clear();
  }

  private enqueue(key: string): void {
    this.chain = this.chain.then(() => this.sync(key)).catch(() => undefined);
  }

  /** Brings the listeners of one Service in line with its spec. */
  private async sync(key: string): Promise<void> {
    if (this.stopped || key === 'default/kubernetes') return;
    const svc = this.services.get(key);
    const clusterIP = svc?.spec.clusterIP;
    const wanted = new Set<string>();
    if (svc && clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None') {
      if (!this.addresses.has(clusterIP)) {
        await ip(['addr', 'add', `${clusterIP}/32`, 'dev', this.bridge]);
        this.addresses.add(clusterIP);
      }
      for (const p of svc.spec.ports ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        const id = `${key}|${clusterIP}:${p.port}`;
        wanted.add(id);
        if (!this.listeners.has(id)) this.listeners.set(id, await this.listen(key, clusterIP, p.port, p.name ?? ''));
      }
    }
    for (const [id, l] of this.listeners) if (id.startsWith(`${key}|`) && !wanted.has(id)) await this.close(id, l);
    const stillUsed = new Set([...this.listeners.keys()].map((id) => id.slice(id.indexOf('|') + 1).split(':')[0]));
    for (const a of [...this.addresses]) {
      if (stillUsed.has(a)) continue;
      await ip(['addr', 'del', `${a}/32`, 'dev', this.bridge]);
      this.addresses.delete(a);
    }
  }

  /** Ready endpoints of a Service for one of its ports, as `host:port` pairs. */
  private targets(key: string, portName: string): { host: string; port: number }[] {
    const [ns, name] = key.split('/');
    const out: { host: string; port: number }[] = [];
    for (const s of this.slices.values()) {
      if (s.metadata.namespace !== ns || s.metadata.labels?.['kubernetes.io/service-name'] !== name) continue;
      const port = (s.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
      if (port === undefined) continue;
      for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false) for (const a of e.addresses) out.push({ host: a, port });
    }
    return out;
  }

  private async listen(key: string, host: string, port: number, portName: string): Promise<Listener> {
    const sockets = new Set<Socket>();
    const listener: Listener = { server: createServer(), sockets, next: 0 };
    listener.server.on('connection', (inbound) => {
      const targets = this.targets(key, portName);
      const target = targets[listener.next++ % Math.max(targets.length, 1)];
      // No ready endpoint: refuse, as kube-proxy does.
      if (!target) {
        inbound.destroy();
        return;
      }
      const outbound = connect(target.port, target.host);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(port, host, () => {
        listener.server.removeListener('error', reject);
        resolve();
      });
    });
    listener.server.unref();
    return listener;
  }

  private async close(id: string, l: Listener): Promise<void> {
    this.listeners.delete(id);
    for (const s of l.sockets) s.destroy();
    await new Promise<void>((resolve) => {
      l.server.close(() => {
        resolve();
      });
    });
  }
}
