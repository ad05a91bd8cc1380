// A TCP relay a test can cut and heal: a network partition between two
// sidecars without touching either (every connection reset, new ones refused).
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** A TCP relay to a pod's listener that can be cut (every connection reset, new ones refused) and healed. */
export class TcpGate {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private open = true;

  private constructor(server: Server) {
    this.server = server;
  }

  /** A gate to the port `portOf()` returns when a connection arrives (pods may start after their gates). */
  static async to(portOf: () => number): Promise<TcpGate> {
    const server = createServer();
    const gate = new TcpGate(server);
    server.on('connection', (client) => {
      if (!gate.open) {
        client.destroy();
        return;
      }
      const upstream = connect(portOf(), '127.0.0.1');
      for (const s of [client, upstream]) {
        gate.sockets.add(s);
        s.on('close', () => gate.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return gate;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  heal(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => { r(); }));
  }
}
