import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/**
 * The operator's probe endpoints: `/healthz` answers while the process runs;
 * `/readyz` answers 200 once `ready()` is true (caches synced, or waiting as
 * a standby for the Lease), 503 before.
 */
export class HealthServer {
  private readonly server: Server;
  private readonly ready: () => boolean;

  constructor(ready: () => boolean) {
    this.ready = ready;
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ok = this.ready();
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok\n' : 'starting\n');
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      }
    });
  }

  /** Listens; resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => { resolve((this.server.address() as AddressInfo).port); });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => { this.server.close(() => { resolve(); }); });
  }
}
