import WebSocket from 'ws';
import { clientProof, newNonce, NODE_HEADER, NONCE_HEADER, PROOF_HEADER, proofMatches, serverProof, sessionKeys, isNonce } from './peer-auth.js';
import { PeerCloseCode } from './peer-codes.js';
import { PeerLink, type LinkTiming } from './peer-link.js';
import type { PeerMessage } from './peer-messages.js';
import type { Welcome } from './stream-sender.js';

/** Path of the peer endpoint on the admin listener. */
export const PEER_PATH = '/askr/peer';
/** Largest frame a link accepts, bytes (a state part or a batch of events). */
export const MAX_FRAME = 64 * 1024 * 1024;
/** Bound on the upgrade and on the hello/welcome exchange, ms. */
export const HANDSHAKE_MS = 5000;

/** What a dialer asks of the service. */
export interface DialerHost {
  readonly secret: string;
  /** Before the hello: 'self' (this very sidecar), 'duplicate' (another address of that node streams, or has said hello), or 'go'. */
  reached(dialer: PeerDialer, node: string): 'self' | 'duplicate' | 'go';
  hello(): PeerMessage;
  /** The peer answered: start streaming on `link` (true), or refuse (false: this pod already streams to that node). */
  welcomed(dialer: PeerDialer, link: PeerLink, welcome: Welcome): boolean;
  /**
   * A link closed (`streaming`: it had been welcomed; `state` is still the link's: handshake, streaming, or
   * standby when refused as a duplicate); the dialer reconnects by itself unless told SELF.
   */
  closed(dialer: PeerDialer, code: number, streaming: boolean): void;
  /** A connection attempt failed (a hint to resolve peers again). */
  failed(dialer: PeerDialer, error: string): void;
}

/**
 * Where a dialer is: dialing, handshaking, streaming, waiting to redial, standing
 * by (another address of the same pod streams), or done (self, stopped).
 */
export type DialerState = 'connecting' | 'handshake' | 'streaming' | 'backoff' | 'standby' | 'self' | 'stopped';

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;

/**
 * Keeps one outbound link to one peer address: connects (the upgrade carries
 * this sidecar's proof, the answer must carry the peer's), says hello, hands
 * the welcomed link to the service, and reconnects with capped exponential
 * back-off whenever it drops. Stops dialing an address that turned out to be
 * this sidecar, and stands by while another address of the same pod streams.
 */
export class PeerDialer {
  readonly address: string;
  state: DialerState = 'stopped';
  /** Node id of the sidecar reached, once welcomed. */
  node: string | undefined;
  /** Last failure, for status. */
  lastError: string | undefined;
  private readonly host: DialerHost;
  private readonly timing: LinkTiming | undefined;
  private ws: WebSocket | undefined;
  private link: PeerLink | undefined;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(address: string, host: DialerHost, timing?: LinkTiming) {
    this.address = address;
    this.host = host;
    this.timing = timing;
  }

  start(): void {
    if (this.state !== 'stopped' && this.state !== 'standby') return;
    this.connect();
  }

  /** Closes the link (if any) and stops dialing. */
  stop(): void {
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.link?.close(PeerCloseCode.GOING_AWAY, 'sidecar stopping');
    this.ws?.terminate();
    this.link = undefined;
    this.ws = undefined;
  }

  /** Leaves standby: another address of the same pod stopped streaming. */
  wake(): void {
    if (this.state === 'standby') this.connect();
  }

  private connect(): void {
    clearTimeout(this.timer);
    this.state = 'connecting';
    const nonce = newNonce();
    const { secret } = this.host;
    const ws = new WebSocket(`ws://${this.address}${PEER_PATH}`, {
      headers: { [NONCE_HEADER]: nonce, [PROOF_HEADER]: clientProof(secret, nonce) },
      handshakeTimeout: HANDSHAKE_MS,
      perMessageDeflate: false,
      maxPayload: MAX_FRAME,
    });
    this.ws = ws;
    let keys: { toServer: Buffer; toClient: Buffer } | undefined;
    let node: string | undefined;
    // Set when this end ends the attempt itself; the 'error' that follows says less.
    let refused = false;
    ws.on('upgrade', (res) => {
      const serverNonce = res.headers[NONCE_HEADER];
      const serverNode = res.headers[NODE_HEADER];
      if (isNonce(serverNonce) && typeof serverNode === 'string' && proofMatches(serverProof(secret, nonce, serverNonce, serverNode), res.headers[PROOF_HEADER])) {
        keys = sessionKeys(secret, nonce, serverNonce);
        node = serverNode;
      }
    });
    ws.on('open', () => {
      if (!keys || node === undefined) {
        refused = true;
        this.fail('the peer did not prove it knows the peer secret');
        ws.terminate();
        return;
      }
      this.node = node;
      const verdict = this.host.reached(this, node);
      if (verdict !== 'go') {
        // No hello: the listener never sees this link, so it never displaces the one already streaming.
        this.state = verdict === 'self' ? 'self' : 'standby';
        ws.close(PeerCloseCode.GOING_AWAY, verdict);
        return;
      }
      this.handshake(ws, keys);
    });
    ws.on('unexpected-response', (_req, res) => {
      refused = true;
      this.fail(`the peer answered ${res.statusCode ?? 0} (wrong --peer-secret, or not an askr sidecar?)`);
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!refused) this.fail(err.message);
    });
    ws.on('close', () => {
      // Before the handshake nothing else reports the failure; after it, the link does.
      if (this.ws === ws && this.state === 'connecting') this.retry();
    });
  }

  private handshake(ws: WebSocket, keys: { toServer: Buffer; toClient: Buffer }): void {
    this.state = 'handshake';
    let welcomed = false;
    const timer = setTimeout(() => { link.close(PeerCloseCode.HANDSHAKE_TIMEOUT, 'no welcome'); }, HANDSHAKE_MS);
    const link = new PeerLink({
      ws,
      sendKey: keys.toServer,
      receiveKey: keys.toClient,
      ...(this.timing ? { timing: this.timing } : {}),
      onMessage: (m) => {
        if (welcomed) return;
        if (m.k !== 'welcome') {
          link.close(PeerCloseCode.PROTOCOL, `expected welcome, got ${m.k}`);
          return;
        }
        welcomed = true;
        clearTimeout(timer);
        this.node = m.node;
        if (!this.host.welcomed(this, link, m)) {
          this.state = 'standby';
          link.close(PeerCloseCode.DUPLICATE, 'already linked to this pod');
          return;
        }
        this.attempts = 0;
        this.state = 'streaming';
      },
      onClose: (code) => {
        clearTimeout(timer);
        const wasStreaming = this.state === 'streaming';
        this.link = undefined;
        if (this.state === 'stopped') return;
        this.host.closed(this, code, wasStreaming);
        if (code === PeerCloseCode.SELF) {
          this.state = 'self';
          return;
        }
        if (this.state === 'standby') return;
        this.retry();
      },
    });
    this.link = link;
    link.send(this.host.hello());
  }

  private fail(error: string): void {
    this.lastError = error;
    this.host.failed(this, error);
  }

  private retry(): void {
    if (this.state === 'stopped' || this.state === 'self' || this.state === 'standby') return;
    clearTimeout(this.timer);
    this.state = 'backoff';
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts++);
    // Jitter keeps a fleet that lost a peer at once from redialing in lockstep.
    this.timer = setTimeout(() => { this.connect(); }, base * (0.8 + Math.random() * 0.4));
    this.timer.unref();
  }
}
