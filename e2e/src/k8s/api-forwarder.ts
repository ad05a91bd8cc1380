import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/**
 * Makes the API server reachable from pods. It listens on 127.0.0.1 only, and
 * 127.0.0.1 inside a pod is the pod itself, so this relays TCP from the pod
 * network's gateway address to it, as the `kubernetes` Service does in a real
 * cluster. TLS passes through untouched: the serving certificate already names
 * the gateway address.
 */
export class ApiForwarder {
  /** The address pods connect to (the gateway). */
  readonly host: string;
  /** The port pods connect to: 443 as in a real cluster, or an allocated one if 443 is taken. */
  readonly port: number;
  private readonly server: Server;
  private readonly sockets: Set<Socket>;

  private constructor(server: Server, sockets: Set<Socket>, host: string, port: number) {
    this.server = server;
    this.sockets = sockets;
    this.host = host;
    this.port = port;
  }

  /** Starts relaying `host:443` (or `host:<free port>`) to `target` (`127.0.0.1:<port>`). */
  static async start(host: string, target: { host: string; port: number }): Promise<ApiForwarder> {
    const sockets = new Set<Socket>();
    const server = createServer((inbound) => {
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
    const listen = (port: number): Promise<number> =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          const addr = server.address();
          resolve(addr !== null && typeof addr === 'object' ? addr.port : port);
        });
      });
    const port = await listen(443).catch(() => listen(0));
    // Never the reason a test process stays alive; the agent closes it on stop.
    server.unref();
    return new ApiForwarder(server, sockets, host, port);
  }

  /** Stops listening and cuts every relayed connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
