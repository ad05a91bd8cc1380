import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { joinHostPort, splitHostPort } from './peer-settings.js';

/** Resolves a name to addresses (DNS A/AAAA through the system resolver, search domains applied). */
export type Resolver = (name: string) => Promise<string[]>;

/** The system resolver: getaddrinfo, so `svc.ns.svc` is completed by the pod's search domains. */
export const systemResolver: Resolver = async (name) => (await lookup(name, { all: true })).map((a) => a.address);

/** This host's own addresses (every interface, loopback included). */
export function localAddresses(): Set<string> {
  const out = new Set<string>(['localhost']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * The addresses to dial: each `host:port` once, in a stable order, without
 * this sidecar's own listener (a local address on its own admin port) and
 * without addresses a handshake showed to be this sidecar.
 */
export function dialTargets(candidates: readonly string[], self: { readonly addresses: ReadonlySet<string>; readonly port: number; readonly known: ReadonlySet<string> }): string[] {
  const out = new Set<string>();
  for (const c of candidates) {
    const hp = splitHostPort(c);
    if (!hp) continue;
    const address = joinHostPort(hp.host, hp.port);
    if (self.known.has(address)) continue;
    if (hp.port === self.port && self.addresses.has(hp.host)) continue;
    out.add(address);
  }
  return [...out].sort();
}

/** What discovery needs; times in ms. */
export interface DiscoveryOptions {
  /** Static `host:port` list; used as is when set. */
  readonly staticPeers: readonly string[];
  /** DNS name of the headless Service, resolved periodically. */
  readonly dnsName: string | undefined;
  /** Port dialed on resolved addresses. */
  readonly port: number;
  readonly intervalMs: number;
  /** This sidecar's admin port (its own entry in a list is skipped). */
  readonly selfPort: number;
  readonly resolve?: Resolver;
  readonly onTargets: (targets: string[]) => void;
  readonly onError?: (message: string) => void;
}

/** Shortest pause between two resolutions asked for by failures, ms. */
const MIN_REFRESH_MS = 1000;

/**
 * Which peers to dial: the static list, or the A records of the headless
 * Service refreshed every interval, after a failed connection and when an
 * unknown peer dials in (rate-limited). Reports the target list whenever it
 * changes; `markSelf` removes an address that turned out to be this sidecar.
 */
export class PeerDiscovery {
  private readonly opts: DiscoveryOptions;
  private readonly self = new Set<string>();
  private readonly addresses = localAddresses();
  private candidates: string[] = [];
  private current: string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastResolve = 0;
  private resolving = false;
  private stopped = false;

  constructor(options: DiscoveryOptions) {
    this.opts = options;
  }

  /** The current targets, or undefined before the first resolution. */
  get targets(): readonly string[] | undefined {
    return this.current;
  }

  start(): void {
    if (this.opts.dnsName === undefined) {
      this.candidates = this.opts.staticPeers.slice();
      this.publish();
      return;
    }
    void this.resolveNow();
    this.timer = setInterval(() => { void this.resolveNow(); }, this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** An address reached this very sidecar: never dial it again. */
  markSelf(address: string): void {
    this.self.add(address);
    this.publish();
  }

  /** Resolve again soon (a dial failed, or an unknown peer dialed in); at most once a second. */
  refreshSoon(): void {
    if (this.opts.dnsName === undefined || this.stopped) return;
    const wait = Math.max(0, this.lastResolve + MIN_REFRESH_MS - Date.now());
    setTimeout(() => { void this.resolveNow(); }, wait).unref();
  }

  private async resolveNow(): Promise<void> {
    const name = this.opts.dnsName;
    if (name === undefined || this.resolving || this.stopped) return;
    this.resolving = true;
    this.lastResolve = Date.now();
    try {
      const ips = await (this.opts.resolve ?? systemResolver)(name);
      this.candidates = ips.map((ip) => joinHostPort(ip, this.opts.port));
      this.publish();
    } catch (err) {
      // A name with no ready pods yet does not resolve: no peers, not an error worth more than a line.
      this.opts.onError?.(`--peer-dns ${name}: ${(err as Error).message}`);
      if (this.current === undefined) {
        this.candidates = [];
        this.publish();
      }
    } finally {
      this.resolving = false;
    }
  }

  private publish(): void {
    if (this.stopped) return;
    const next = dialTargets(this.candidates, { addresses: this.addresses, port: this.opts.selfPort, known: this.self });
    if (this.current && next.length === this.current.length && next.every((t, i) => t === this.current?.[i])) return;
    this.current = next;
    this.opts.onTargets(next);
  }
}
