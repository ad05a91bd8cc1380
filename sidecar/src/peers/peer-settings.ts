import { AskrError } from '../errors.js';

/** The configuration rows the peer links read (peerOptions plus the admin listener). */
export interface PeerConfig {
  readonly peers?: readonly string[] | undefined;
  readonly peerDns?: string | undefined;
  readonly peerPort?: number | undefined;
  readonly peerSecret?: string | undefined;
  /** Seconds. */
  readonly peerTimeout: number;
  /** Seconds. */
  readonly peerDnsInterval: number;
  /** Bytes. */
  readonly peerLogSize: number;
  readonly adminListen: string;
}

/** Validated peer settings; times in ms. */
export interface PeerSettings {
  /** `host:port` of every static peer (empty with DNS discovery). */
  readonly staticPeers: readonly string[];
  readonly dnsName: string | undefined;
  /** Port dialed on addresses found through DNS; undefined: this sidecar's admin port. */
  readonly dnsPort: number | undefined;
  readonly secret: string;
  /** A peer whose link stays down this long is lost; also the bound of a restart's hold. */
  readonly timeoutMs: number;
  readonly dnsIntervalMs: number;
}

/** Shortest accepted secret: shorter ones can be guessed offline from one recorded frame. */
export const MIN_SECRET_LENGTH = 16;

/** Whether peer links are configured at all (a static list or a DNS name). */
export function peersEnabled(config: Pick<PeerConfig, 'peers' | 'peerDns'>): boolean {
  return (config.peers?.length ?? 0) > 0 || (config.peerDns !== undefined && config.peerDns !== '');
}

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/;

/** Splits `host:port` (`[v6]:port` for IPv6); undefined when malformed. */
export function splitHostPort(value: string): { host: string; port: number } | undefined {
  const m = HOST_PORT.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

/** `host:port`, bracketing IPv6 addresses. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Checks the peer options against each other and returns the settings, or
 * undefined when peers are not configured. Throws ASKR_ERR_CONFIG naming the
 * flag for a bad combination.
 */
export function peerSettings(config: PeerConfig): PeerSettings | undefined {
  if (!peersEnabled(config)) return undefined;
  if ((config.peers?.length ?? 0) > 0 && config.peerDns) {
    throw new AskrError('ASKR_ERR_CONFIG', '--peers: give either a static list (--peers) or a DNS name (--peer-dns), not both');
  }
  const secret = config.peerSecret ?? '';
  if (secret === '') throw new AskrError('ASKR_ERR_CONFIG', '--peer-secret: required with --peers or --peer-dns (or set ASKR_PEER_SECRET)');
  if (secret.length < MIN_SECRET_LENGTH) throw new AskrError('ASKR_ERR_CONFIG', `--peer-secret: must be at least ${MIN_SECRET_LENGTH} characters`);
  if (config.adminListen === 'off') throw new AskrError('ASKR_ERR_CONFIG', '--peers: the peer endpoint lives on the admin listener; --admin-listen must not be off');
  const staticPeers = (config.peers ?? []).map((p) => {
    const hp = splitHostPort(p);
    if (!hp) throw new AskrError('ASKR_ERR_CONFIG', `--peers: "${p}" is not host:port`);
    return joinHostPort(hp.host, hp.port);
  });
  return {
    staticPeers,
    dnsName: config.peerDns || undefined,
    dnsPort: config.peerPort,
    secret,
    timeoutMs: config.peerTimeout * 1000,
    dnsIntervalMs: config.peerDnsInterval * 1000,
  };
}
