// The two servers the fan-out benchmark compares: Askr's real-time stack (PusherService over a
// broadcast ring in a shared-memory file, fed the way askr_broadcast() feeds it) and a bare `ws`
// server that sends the same bytes to every client. Both listen on 127.0.0.1, port 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { broadcastRegions } from '../../sidecar/src/broadcast/broadcast-regions.js';
import { openBroadcastHub } from '../../sidecar/src/broadcast/open-broadcast-hub.js';
import { parseOptions } from '../../sidecar/src/config/parse-options.js';
import { pusherOptions } from '../../sidecar/src/config/pusher-options.js';
import { LocalFrontBus } from '../../sidecar/src/ipc/front-bus.js';
import { PusherService } from '../../sidecar/src/pusher/pusher-service.js';
import { ShmRegion } from '../../sidecar/src/shm/shm-region.js';

export const BENCH_APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret' } as const;
export const CHANNEL = 'bench';

/** A server under test: a URL subscribers connect to, a way to broadcast one payload, and a stop. */
export interface FanoutServer {
  readonly name: string;
  /** WebSocket URL for a subscriber. */
  readonly url: string;
  /** Frame a subscriber sends after connecting (Pusher subscribe), if any. */
  readonly subscribeFrame: string | undefined;
  /** Broadcasts one event whose data is `data` to every subscriber. */
  broadcast(data: string): void;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { resolve((server.address() as AddressInfo).port); }));
}

/** Askr: one front process, the ring in a temporary shared-memory file, events appended as PHP's askr_broadcast() does. */
export async function startAskr(): Promise<FanoutServer> {
  const config = parseOptions(pusherOptions, ['--pusher', '--pusher-secret', BENCH_APP.secret, '--pusher-app-id', BENCH_APP.id, '--pusher-key', BENCH_APP.key], {}).config;
  const dir = mkdtempSync(join(tmpdir(), 'askr-bench-'));
  const shm = ShmRegion.open({ path: join(dir, 'askr.shm'), regions: broadcastRegions(config), stamp: 'bench', mode: 'create' });
  const hub = openBroadcastHub(shm, config, new LocalFrontBus());
  const pusher = new PusherService({ config, hub, registry: new Registry(), log: () => undefined });
  const server = createServer((req, res) => {
    if (!pusher.handleRequest(req, res)) res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!pusher.handleUpgrade(req, socket, head)) socket.destroy();
  });
  const port = await listen(server);
  return {
    name: 'askr',
    url: `ws://127.0.0.1:${port}/app/${BENCH_APP.key}?protocol=7&client=js&version=8.6.0&flash=false`,
    subscribeFrame: JSON.stringify({ event: 'pusher:subscribe', data: { auth: '', channel: CHANNEL } }),
    broadcast(data) {
      hub.publish({ t: 'event', app: BENCH_APP.id, channels: [CHANNEL], event: 'tick', data });
    },
    async close() {
      await pusher.close();
      hub.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bare `ws`: the same Pusher-shaped bytes, built once and sent to every client in a loop. */
export async function startBareWs(): Promise<FanoutServer> {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
  });
  const port = await listen(server);
  return {
    name: 'bare ws',
    url: `ws://127.0.0.1:${port}/`,
    subscribeFrame: undefined,
    broadcast(data) {
      const bytes = Buffer.from(JSON.stringify({ event: 'tick', channel: CHANNEL, data }));
      for (const ws of clients) ws.send(bytes, { binary: false });
    },
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
