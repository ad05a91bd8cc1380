import { Counter, Gauge, Registry } from 'prom-client';
import type { ReceiverCounters } from './stream-receiver.js';

/**
 * Metrics of the peer links (prefix askr_peer), in a registry of their own
 * that the supervisor appends to the admin /metrics.
 */
export class PeerMetrics implements ReceiverCounters {
  readonly registry: Registry;
  private readonly forwardedTotal: Counter;
  private readonly receivedTotal: Counter;
  private readonly deduplicatedTotal: Counter;
  private readonly resyncsTotal: Counter<'kind'>;
  private readonly lostTotal: Counter;
  private readonly refusedTotal: Counter;

  /** @param connected peers this pod streams to now; @param inbound peers streaming to this pod now. */
  constructor(connected: () => number, inbound: () => number, registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    new Gauge({ name: 'askr_peers_connected', help: 'Peers this pod has an authenticated link to and streams its broadcasts and invalidations to.', registers, collect() { this.set(connected()); } });
    new Gauge({ name: 'askr_peers_inbound', help: 'Peers with an authenticated link streaming to this pod.', registers, collect() { this.set(inbound()); } });
    this.forwardedTotal = new Counter({ name: 'askr_peer_messages_forwarded_total', help: 'Records and invalidations sent to peers (one per peer).', registers });
    this.receivedTotal = new Counter({ name: 'askr_peer_messages_received_total', help: 'Records, states and invalidations received from peers and applied.', registers });
    this.deduplicatedTotal = new Counter({ name: 'askr_peer_messages_deduplicated_total', help: 'Messages received from peers that had already been applied, and were dropped.', registers });
    this.resyncsTotal = new Counter({ name: 'askr_peer_resyncs_total', help: 'Catch-ups after a link came up: replay (nothing lost), snapshot (subscription state resent), forget_all (the cache was dropped).', labelNames: ['kind'], registers });
    this.lostTotal = new Counter({ name: 'askr_peers_lost_total', help: 'Peers declared lost after --peer-timeout without a link; their presence members were removed.', registers });
    this.refusedTotal = new Counter({ name: 'askr_peer_refused_total', help: 'Peer connections refused: no valid proof of the peer secret, a frame that failed its MAC, or no hello.', registers });
    for (const kind of ['replay', 'snapshot', 'forget_all']) this.resyncsTotal.inc({ kind }, 0);
  }

  forwarded(n: number): void {
    this.forwardedTotal.inc(n);
  }

  received(n: number): void {
    this.receivedTotal.inc(n);
  }

  deduplicated(n: number): void {
    this.deduplicatedTotal.inc(n);
  }

  resynced(kind: 'replay' | 'snapshot' | 'forget_all'): void {
    this.resyncsTotal.inc({ kind });
  }

  lost(): void {
    this.lostTotal.inc();
  }

  refused(): void {
    this.refusedTotal.inc();
  }
}
