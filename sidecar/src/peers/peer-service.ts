import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CacheStore } from '../cache/cache-store.js';
import type { CursorTable } from './cursor-table.js';
import type { ForgetLog } from './forget-log.js';
import { PeerCloseCode } from './peer-codes.js';
import { PeerDialer, type DialerHost } from './peer-dialer.js';
import { PeerDiscovery } from './peer-discovery.js';
import { PeerEndpoint, type EndpointHost, type InboundLink } from './peer-endpoint.js';
import type { LinkTiming } from './peer-link.js';
import { PEER_MESSAGES_VERSION, type PeerMessage } from './peer-messages.js';
import { PeerMetrics } from './peer-metrics.js';
import type { PeerSettings } from './peer-settings.js';
import { PeerSources, type PeerSource } from './peer-sources.js';
import type { RingTap } from './ring-tap.js';
import { KeptCacheHold } from './kept-cache-hold.js';
import { StreamReceiver } from './stream-receiver.js';
import { StreamSender, type Welcome } from './stream-sender.js';

/** Where the service reports what happened (the sidecar's logger). */
export interface PeerLog {
  info(message: string): void;
  warn(message: string): void;
}

/** The parts of the pod the peer links work with (each optional with its feature). */
export interface PeerServiceOptions {
  readonly settings: PeerSettings;
  /** The supervisor's end of the broadcast ring; undefined without --pusher. */
  readonly tap?: RingTap | undefined;
  /** This pod's forget log, the peers' cursors and the cache they protect; undefined without a cache. */
  readonly forgetLog?: ForgetLog | undefined;
  readonly cursors?: CursorTable | undefined;
  readonly cache?: CacheStore | undefined;
  /** The cache was kept from a previous run: withhold it until the peers have caught this pod up. */
  readonly holdKeptCache?: boolean;
  readonly log: PeerLog;
  readonly timing?: LinkTiming;
  readonly now?: () => number;
}

/** How often the forget log is checked for invalidations to stream, ms. */
const FORGET_POLL_MS = 10;

/**
 * The peer links of one pod (see docs/design/0007-many-pods.md): dials every
 * peer discovery lists and streams this pod's broadcast-ring records and tag
 * invalidations to it; accepts the peers' links on `/askr/peer` and applies
 * their streams exactly once; declares a silent peer lost after
 * `--peer-timeout`; holds a kept cache after a restart until the peers caught
 * it up. Runs in the supervisor; built before the front processes start so the
 * ring tap sees everything they write, started once the admin listener is up.
 */
export class PeerService {
  readonly node = randomBytes(8).toString('hex');
  readonly metrics: PeerMetrics;
  private readonly o: PeerServiceOptions;
  private readonly now: () => number;
  private readonly endpoint: PeerEndpoint;
  private readonly dialerHost: DialerHost;
  private readonly sources: PeerSources;
  private readonly ringCursors = new Map<string, number>();
  private readonly dialers = new Map<string, PeerDialer>();
  private readonly senders = new Map<PeerDialer, { sender: StreamSender; send: (m: PeerMessage) => void }>();
  private readonly hold: KeptCacheHold | undefined;
  private readonly inbound = new Map<InboundLink, { receiver: StreamReceiver; key: string }>();
  private discovery: PeerDiscovery | undefined;
  private forgetTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(options: PeerServiceOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.metrics = new PeerMetrics(() => this.senders.size, () => this.inbound.size);
    const secret = options.settings.secret;
    const endpointHost: EndpointHost = {
      secret,
      node: this.node,
      hello: (inbound) => this.helloFrom(inbound),
      message: (inbound, m) => { this.message(inbound, m); },
      closed: (inbound, code) => { this.closedInbound(inbound, code); },
      refused: (remote, reason) => { this.refused(remote, reason); },
    };
    this.dialerHost = {
      secret,
      reached: (dialer, node) => this.reached(dialer, node),
      hello: () => this.helloMessage(),
      welcomed: (dialer, link, welcome) => this.welcomed(dialer, link, welcome),
      closed: (dialer, code, streaming) => { this.closedOutbound(dialer, code, streaming); },
      failed: () => { this.discovery?.refreshSoon(); },
    };
    this.endpoint = new PeerEndpoint(endpointHost, options.timing);
    this.sources = new PeerSources(options.settings.timeoutMs, (s) => { this.lost(s); }, this.now);
    const { cache, cursors } = options;
    if (options.holdKeptCache && cache && cursors) {
      this.hold = new KeptCacheHold(cache, cursors.all().filter((c) => c.live).map((c) => c.id), options.settings.timeoutMs, options.log);
    }
  }

  /** Starts discovery, dialing and live streaming. `adminPort` is the admin listener's actual port. */
  start(adminPort: number): void {
    const { settings, tap, forgetLog } = this.o;
    tap?.start();
    this.unsubscribe = tap?.onLocal((seq, record) => {
      for (const { sender } of this.senders.values()) sender.offerRecord(seq, record);
    });
    if (forgetLog) {
      this.forgetTimer = setInterval(() => { this.pollForgets(); }, FORGET_POLL_MS);
      this.forgetTimer.unref();
    }
    this.discovery = new PeerDiscovery({
      staticPeers: settings.staticPeers,
      dnsName: settings.dnsName,
      port: settings.dnsPort ?? adminPort,
      intervalMs: settings.dnsIntervalMs,
      selfPort: adminPort,
      onTargets: (targets) => { this.retarget(targets); },
      onError: (m) => { this.o.log.warn(`peers: ${m}`); },
    });
    this.discovery.start();
  }

  /** Takes `/askr/peer` upgrades on the admin listener; false for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (this.closed) return false;
    return this.endpoint.handleUpgrade(req, socket, head);
  }

  /** An invalidation made in this process (the admin API): logged for the peers and streamed now. */
  recordForget(tags: readonly string[]): void {
    if (!this.o.forgetLog || tags.length === 0) return;
    this.o.forgetLog.append(tags);
    this.pollForgets();
  }

  private pollForgets(): void {
    const log = this.o.forgetLog;
    if (!log?.pending()) return;
    for (const entry of log.poll()) {
      for (const { sender } of this.senders.values()) sender.offerForget(entry);
    }
  }

  private retarget(targets: string[]): void {
    const wanted = new Set(targets);
    for (const [address, d] of this.dialers) {
      if (wanted.has(address)) continue;
      const held = d.state === 'handshake' || d.state === 'streaming';
      d.stop();
      this.dialers.delete(address);
      this.senders.delete(d);
      // A stopped dialer reports no close: another address of its pod takes over here.
      if (held) this.wakeStandby(d);
    }
    for (const address of targets) {
      if (this.dialers.has(address)) continue;
      const d = new PeerDialer(address, this.dialerHost, this.o.timing);
      this.dialers.set(address, d);
      d.start();
    }
    this.hold?.setTargets(targets.length);
  }

  private helloMessage(): PeerMessage {
    return { k: 'hello', v: PEER_MESSAGES_VERSION, node: this.node, ring: this.o.tap?.ringId ?? null, log: this.o.forgetLog?.id ?? null };
  }

  private reached(dialer: PeerDialer, node: string): 'self' | 'duplicate' | 'go' {
    if (node === this.node) {
      this.discovery?.markSelf(dialer.address);
      return 'self';
    }
    // One address per pod says hello: one streaming, or one whose hello is out (welcome not yet back).
    // Two hellos from this pod would make the listener supersede the first while this end refuses the
    // second as a duplicate: both links die, and what was published meanwhile misses a peer that
    // never applied a state (it has no cursor, so the next link sends a state, not the records).
    for (const other of this.dialers.values()) {
      if (other !== dialer && other.node === node && (other.state === 'handshake' || other.state === 'streaming')) return 'duplicate';
    }
    return 'go';
  }

  /** The address that held the link to `dialer`'s pod gave it up: the pod's other addresses dial again. */
  private wakeStandby(dialer: PeerDialer): void {
    for (const d of this.dialers.values()) if (d !== dialer && d.state === 'standby' && d.node === dialer.node) d.wake();
  }

  private welcomed(dialer: PeerDialer, link: { send(m: PeerMessage): void }, welcome: Welcome): boolean {
    if (this.reached(dialer, welcome.node) !== 'go') return false;
    const send = (m: PeerMessage): void => {
      link.send(m);
      if (m.k === 'rec' || m.k === 'fgt') this.metrics.forwarded(1);
    };
    const sender = new StreamSender({ send }, this.o.tap, this.o.forgetLog);
    const plan = sender.begin(welcome);
    this.senders.set(dialer, { sender, send });
    this.o.log.info(`peers: streaming to ${dialer.address} (node ${welcome.node}; ring ${plan.ring ?? '-'}, invalidations ${plan.log ?? '-'})`);
    return true;
  }

  private closedOutbound(dialer: PeerDialer, code: number, streaming: boolean): void {
    if (code === PeerCloseCode.SELF) this.discovery?.markSelf(dialer.address);
    // Streaming, or in its handshake (the others stood by for it): not a link this end refused as a duplicate.
    if (dialer.state !== 'standby') this.wakeStandby(dialer);
    if (!streaming) return;
    this.senders.delete(dialer);
    this.o.log.info(`peers: link to ${dialer.address} closed (${code}); reconnecting`);
  }

  private helloFrom(inbound: InboundLink): Welcome | number {
    const h = inbound.hello;
    if (h.node === this.node) return PeerCloseCode.SELF;
    const receiver = new StreamReceiver(h, {
      node: this.node, tap: this.o.tap, cache: this.o.cache, cursors: this.o.cursors,
      ringCursors: this.ringCursors, counters: this.metrics, now: this.now,
    });
    const key = this.sources.attach(h, inbound);
    // Older links from the same pod (a reconnect racing a half-open socket) give way to this one.
    for (const [other, state] of this.inbound) if (state.key === key) other.link.close(PeerCloseCode.SUPERSEDED, 'superseded');
    this.inbound.set(inbound, { receiver, key });
    if (![...this.senders.keys()].some((d) => d.node === h.node)) this.discovery?.refreshSoon();
    return receiver.welcome();
  }

  private message(inbound: InboundLink, m: PeerMessage): void {
    const state = this.inbound.get(inbound);
    if (!state) return;
    const code = state.receiver.apply(m);
    if (code !== undefined) {
      inbound.link.close(code, `cannot apply ${m.k}`);
      return;
    }
    if (m.k === 'synced') {
      this.hold?.sourceSynced(state.key, inbound.hello.log);
    } else if (m.k === 'bye' && inbound.hello.log !== null) {
      this.o.cursors?.setLive(inbound.hello.log, false, this.now());
    }
  }

  private closedInbound(inbound: InboundLink, code: number): void {
    const state = this.inbound.get(inbound);
    if (!state) return;
    this.inbound.delete(inbound);
    if (code === PeerCloseCode.BAD_FRAME) this.metrics.refused();
    this.sources.detach(state.key, inbound);
  }

  private refused(remote: string, reason: string): void {
    this.metrics.refused();
    this.o.log.warn(`peers: refused ${remote}: ${reason}`);
  }

  private lost(source: PeerSource): void {
    if (this.closed) return;
    const removed = source.ring !== null && this.o.tap ? this.o.tap.dropOrigins(source.ring) : 0;
    if (source.ring !== null) this.ringCursors.delete(source.ring);
    if (source.log !== null) this.o.cursors?.setLive(source.log, false, this.now());
    this.metrics.lost();
    this.o.log.warn(`peers: node ${source.node} lost (no link for ${this.o.settings.timeoutMs / 1000}s); released its ${removed} origin(s)`);
  }

  /** Whether the kept cache is still withheld. */
  get holding(): boolean {
    return this.hold?.holding ?? false;
  }

  /** For /askr/status. */
  status(): Record<string, unknown> {
    return {
      node: this.node,
      ring: this.o.tap?.ringId ?? null,
      log: this.o.forgetLog?.id ?? null,
      holdingKeptCache: this.holding,
      targets: this.discovery?.targets ?? null,
      outbound: [...this.dialers.values()].map((d) => ({ address: d.address, state: d.state, node: d.node ?? null, error: d.lastError ?? null })),
      inbound: [...this.inbound].map(([l, s]) => ({ node: l.hello.node, remote: l.remote, ring: l.hello.ring, log: l.hello.log, synced: s.receiver.synced })),
      sources: this.sources.list(),
    };
  }

  /**
   * Forwards what the front processes wrote last (their `gone` records on the
   * way out), says bye to every peer and closes the links. Bounded.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.o.tap?.drain();
    this.pollForgets();
    this.closed = true;
    clearInterval(this.forgetTimer);
    this.hold?.close();
    this.unsubscribe?.();
    this.discovery?.stop();
    for (const { send } of this.senders.values()) send({ k: 'bye' });
    // Let the last frames leave before the sockets close.
    await new Promise<void>((r) => setImmediate(r));
    for (const d of this.dialers.values()) d.stop();
    this.endpoint.close();
    this.sources.close();
    this.o.tap?.close();
  }
}
