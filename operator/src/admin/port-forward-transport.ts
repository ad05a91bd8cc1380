import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { PortForward } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../errors.js';
import { httpCall } from './admin-transport.js';
import type { AdminRequest, AdminResponse, AdminTransport, PodRef } from './admin-transport.js';

/**
 * Reaches a pod's admin port through a port-forward, what `kubectl
 * port-forward` does (RBAC `create` on `pods/portforward`, a kubelet that
 * serves it): a listener on 127.0.0.1 with an OS-chosen port per pod, each
 * accepted connection tunnelled over a WebSocket stream to the pod's port.
 * Works where the API server cannot reach pod IPs itself.
 */
export class PortForwardTransport implements AdminTransport {
  private readonly forward: PortForward;
  private readonly port: number | undefined;
  private readonly listeners = new Map<string, Promise<Server>>();
  private readonly sockets = new Set<Socket>();

  /** @param port overrides the admin port pods declare (default: the pod's, else 9180) */
  constructor(kubeConfig: KubeConfig, port?: number) {
    this.forward = new PortForward(kubeConfig);
    this.port = port;
  }

  async send(pod: PodRef, req: AdminRequest): Promise<AdminResponse> {
    const server = await this.listenerFor(pod);
    const { port } = server.address() as AddressInfo;
    return httpCall(new URL(req.path, `http://127.0.0.1:${port}`), req);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const servers = await Promise.all(this.listeners.values());
    this.listeners.clear();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.close(() => { resolve(); }); })));
  }

  private listenerFor(pod: PodRef): Promise<Server> {
    const key = `${pod.namespace}/${pod.name}`;
    let pending = this.listeners.get(key);
    if (!pending) {
      pending = new Promise((resolve, reject) => {
        const server = createServer((socket) => { this.tunnel(pod, socket); });
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => { resolve(server); });
      });
      this.listeners.set(key, pending);
    }
    return pending;
  }

  private tunnel(pod: PodRef, socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    this.forward.portForward(pod.namespace, pod.name, [this.port ?? pod.port ?? 9180], socket, null, socket).then((ws) => {
      if (typeof ws === 'function') return;
      ws.on('close', () => socket.destroy());
      socket.on('close', () => { ws.close(); });
    }, (err: unknown) => {
      socket.destroy(new Error(`port-forward to ${pod.namespace}/${pod.name}: ${errorMessage(err)}`));
    });
  }
}
