import type { OptionSpec } from './option.js';

/**
 * Options of the peer links between the sidecars of one app (many pods as
 * one): how peers are found, the shared secret that authenticates them, and
 * the bounds of failure detection and catch-up. See docs/many-pods.md.
 */
export const peerOptions = [
  { key: 'peers', flag: 'peers', kind: 'list', group: 'Many pods',
    help: "Static list of the peers' admin listeners (host:port,…), where the peer endpoint /askr/peer lives. An entry naming this sidecar is skipped." },
  { key: 'peerDns', flag: 'peer-dns', kind: 'string', group: 'Many pods',
    help: "DNS name whose A records are the peers (the app's headless Service); resolved every --peer-dns-interval and after a failed connection. This pod's own addresses are skipped." },
  { key: 'peerPort', flag: 'peer-port', kind: 'int', min: 1, max: 65535, group: 'Many pods',
    help: 'Port of the peers found through --peer-dns. Default: the port of --admin-listen.' },
  { key: 'peerSecret', flag: 'peer-secret', kind: 'string', group: 'Many pods',
    help: 'Shared secret of the app\'s sidecars (at least 16 characters): every peer message carries an HMAC made with it. Required with --peers or --peer-dns.' },
  { key: 'peerTimeout', flag: 'peer-timeout', kind: 'seconds', default: '10', unit: 's', min: 1, max: 3600, group: 'Many pods',
    help: 'A peer whose link stays down this long is lost: its presence members are removed (member_removed once). A restarted sidecar also waits at most this long for its peers before dropping the cache it kept.' },
  { key: 'peerDnsInterval', flag: 'peer-dns-interval', kind: 'seconds', default: '5', unit: 's', min: 0.1, max: 3600, group: 'Many pods',
    help: 'How often --peer-dns is resolved again (pods come and go).' },
  { key: 'peerLogSize', flag: 'peer-log-size', kind: 'bytes', default: '1M', unit: 'bytes', min: 65536, max: 256 * 1024 * 1024, group: 'Many pods',
    help: "Size of this pod's forget log in shared memory: how many tag invalidations a peer that was cut off can catch up on before it must drop its whole cache." },
] as const satisfies readonly OptionSpec[];
