import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/** Finds a pod's IP on this node; undefined if the pod does not run here. */
export type PodIpLocator = (namespace: string, pod: string) => string | undefined;

/**
 * The binary channel protocols a kubelet accepts for port-forward over
 * WebSocket (`pkg/kubelet/cri/streaming/portforward/websocket.go`). The base64
 * variant is not offered.
 */
const protocols = ['v4.channel.k8s.io', 'channel.k8s.io'];

const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false,
});

function frame(channel: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), payload]);
}

/**
 * Serves a kubelet's `/portForward/{namespace}/{pod}?port=…` upgrade with the
 * WebSocket channel protocol, which the API server passes through for clients
 * such as @kubernetes/client-node's `PortForward`: per requested port, channel
 * 2i carries data and 2i+1 errors, each opened by the port as two
 * little-endian bytes; every message is one channel byte then payload. Each
 * port gets one TCP connection to the pod; when all have closed, so does the
 * WebSocket. (`kubectl port-forward` speaks SPDY, which is not served.)
 */
export function servePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, locate: PodIpLocator): void {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || !url.pathname.startsWith('/portForward/')) {
    const body = `${url.pathname.split('/')[1] ?? ''} over ${req.headers.upgrade ?? 'HTTP'} is not served by the askr-e2e node agent (exec, attach and SPDY port-forward need a kubelet); reach pods through the API server's pod proxy\n`;
    socket.end(`HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  const m = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const podIp = m?.[1] !== undefined && m[2] !== undefined ? locate(m[1], m[2]) : undefined;
  const ports = url.searchParams
    .getAll('port')
    .flatMap((p) => p.split(','))
    .map(Number);
  if (podIp === undefined || ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    socket.end(`HTTP/1.1 ${podIp === undefined ? 404 : 400} Bad Request\r\nContent-Length: 0\r\n\r\n`);
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    forward(ws, podIp, ports);
  });
}

function forward(ws: WebSocket, podIp: string, ports: number[]): void {
  let open = ports.length;
  const conns = ports.map((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    ws.send(frame(2 * i, portBytes));
    ws.send(frame(2 * i + 1, portBytes));
    const tcp = connect(port, podIp);
    tcp.on('data', (chunk: Buffer) => {
      ws.send(frame(2 * i, chunk));
    });
    tcp.on('error', (err) => {
      ws.send(frame(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod: ${err.message}`)));
    });
    tcp.on('close', () => {
      if (--open === 0) ws.close(1000);
    });
    return tcp;
  });
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || data.length === 0) return;
    const channel = data[0] ?? 0;
    // Only data channels carry input; error channels are write-only.
    if (channel % 2 === 0) conns[channel / 2]?.write(data.subarray(1));
  });
  ws.on('close', () => {
    for (const c of conns) c.destroy();
  });
  ws.on('error', () => {
    for (const c of conns) c.destroy();
  });
}
