import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { clientProof, isNonce, newNonce, NODE_HEADER, NONCE_HEADER, PROOF_HEADER, proofMatches, serverProof, sessionKeys } from './peer-auth.js';
import { PeerCloseCode } from './peer-codes.js';
import { HANDSHAKE_MS, MAX_FRAME, PEER_PATH } from './peer-dialer.js';
import { PeerLink, type LinkTiming } from './peer-link.js';
import { PEER_MESSAGES_VERSION, type PeerMessage } from './peer-messages.js';
import type { Welcome } from './stream-sender.js';

/** The first message of a dialer. */
export type Hello = Extract<PeerMessage, { k: 'hello' }>;

/** An authenticated inbound link and the hello that opened it. */
export interface InboundLink {
  readonly link: PeerLink;
  readonly hello: Hello;
  /** Remote address, for status. */
  readonly remote: string;
}

/** What the endpoint asks of the service. */
export interface EndpointHost {
  readonly secret: string;
  /** This sidecar's node id, announced in the upgrade answer. */
  readonly node: string;
  /** A verified hello: the welcome to send, or a close code to refuse with. */
  hello(inbound: InboundLink): Welcome | number;
  message(inbound: InboundLink, message: PeerMessage): void;
  closed(inbound: InboundLink, code: number): void;
  /** An upgrade without a valid proof, or a link that never said hello. */
  refused(remote: string, reason: string): void;
}

/**
 * The listening end of peer links: `/askr/peer` upgrades on the admin
 * listener. An upgrade is accepted only with a valid proof of the peer secret
 * (nothing else of the admin API is reachable this way, and the admin token is
 * neither needed nor accepted); the answer carries this sidecar's own proof.
 * The first frame must be a hello, within the handshake bound.
 */
export class PeerEndpoint {
  private readonly wss: WebSocketServer;
  private readonly host: EndpointHost;
  private readonly timing: LinkTiming | undefined;
  private readonly nonces = new WeakMap<IncomingMessage, { client: string; server: string }>();
  private readonly sockets = new Set<WebSocket>();

  constructor(host: EndpointHost, timing?: LinkTiming) {
    this.host = host;
    this.timing = timing;
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_FRAME, clientTracking: false });
    this.wss.on('headers', (headers, req) => {
      const n = this.nonces.get(req);
      const { secret, node } = this.host;
      if (n) headers.push(`${NONCE_HEADER}: ${n.server}`, `${NODE_HEADER}: ${node}`, `${PROOF_HEADER}: ${serverProof(secret, n.client, n.server, node)}`);
    });
  }

  /** Takes an upgrade for `/askr/peer`; false (socket untouched) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== PEER_PATH) return false;
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const client = req.headers[NONCE_HEADER];
    if (!isNonce(client) || !proofMatches(clientProof(this.host.secret, client), req.headers[PROOF_HEADER])) {
      this.host.refused(remote, 'upgrade without a valid peer proof');
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    const server = newNonce();
    this.nonces.set(req, { client, server });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const keys = sessionKeys(this.host.secret, client, server);
      this.accept(ws, keys, remote);
    });
    return true;
  }

  private accept(ws: WebSocket, keys: { toServer: Buffer; toClient: Buffer }, remote: string): void {
    this.sockets.add(ws);
    ws.once('close', () => this.sockets.delete(ws));
    let inbound: InboundLink | undefined;
    const timer = setTimeout(() => {
      this.host.refused(remote, 'no hello');
      link.close(PeerCloseCode.HANDSHAKE_TIMEOUT, 'no hello');
    }, HANDSHAKE_MS);
    const link = new PeerLink({
      ws,
      sendKey: keys.toClient,
      receiveKey: keys.toServer,
      ...(this.timing ? { timing: this.timing } : {}),
      onMessage: (m) => {
        if (inbound) {
          this.host.message(inbound, m);
          return;
        }
        if (m.k !== 'hello' || m.v !== PEER_MESSAGES_VERSION) {
          link.close(PeerCloseCode.PROTOCOL, m.k === 'hello' ? `unsupported version ${m.v}` : `expected hello, got ${m.k}`);
          return;
        }
        clearTimeout(timer);
        const candidate: InboundLink = { link, hello: m, remote };
        const answer = this.host.hello(candidate);
        if (typeof answer === 'number') {
          link.close(answer, 'refused');
          return;
        }
        inbound = candidate;
        link.send(answer);
      },
      onClose: (code) => {
        clearTimeout(timer);
        if (inbound) this.host.closed(inbound, code);
      },
    });
  }

  /** Closes every inbound link (shutdown). */
  close(): void {
    for (const ws of this.sockets) ws.close(PeerCloseCode.GOING_AWAY, 'sidecar stopping');
    this.wss.close();
  }
}
