import { isIP } from 'node:net';
import { AskrError } from '../errors.js';

interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

function toBytes(address: string): Uint8Array | null {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const kind = isIP(plain);
  if (kind === 4) return Uint8Array.from(plain.split('.').map(Number));
  if (kind !== 6) return null;
  const [headPart = '', tailPart] = plain.split('::');
  const head = headPart === '' ? [] : headPart.split(':');
  const tail = tailPart === undefined || tailPart === '' ? [] : tailPart.split(':');
  const groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

function matches(cidr: Cidr, addr: Uint8Array): boolean {
  if (cidr.bytes.length !== addr.length) return false;
  let bits = cidr.bits;
  for (let i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((cidr.bytes[i] ?? 0) & mask) !== ((addr[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** What the forwarding headers of a trusted proxy say about the original request. */
export interface ClientView {
  address: string;
  proto: 'http' | 'https';
  host: string | undefined;
  port: string | undefined;
}

/**
 * `--trusted-proxies`: only connections from these CIDRs may tell us the
 * client's address, scheme and host through X-Forwarded-For/-Proto/-Host.
 * X-Forwarded-For is walked from the right, skipping trusted hops, so a client
 * cannot spoof its address by sending its own header.
 */
export class TrustedProxies {
  private readonly cidrs: Cidr[];

  constructor(entries: readonly string[]) {
    this.cidrs = entries.map((entry) => {
      const [addr = '', bitsText] = entry.split('/');
      const bytes = toBytes(addr);
      const bits = bitsText === undefined ? (bytes?.length ?? 0) * 8 : Number(bitsText);
      if (!bytes || !Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) {
        throw new AskrError('ASKR_ERR_CONFIG', `--trusted-proxies: "${entry}" is not an address or CIDR`);
      }
      return { bytes, bits };
    });
  }

  get enabled(): boolean {
    return this.cidrs.length > 0;
  }

  trusts(address: string): boolean {
    const bytes = toBytes(address);
    return bytes !== null && this.cidrs.some((c) => matches(c, bytes));
  }

  resolve(peer: string, headers: Record<string, string | string[] | undefined>, encrypted: boolean): ClientView {
    if (!this.enabled) return { address: peer, proto: encrypted ? 'https' : 'http', host: undefined, port: undefined };
    const view: ClientView = { address: peer, proto: encrypted ? 'https' : 'http', host: undefined, port: undefined };
    if (!this.trusts(peer)) return view;
    const xff = headerValue(headers['x-forwarded-for']);
    if (xff) {
      const hops = xff.split(',').map((h) => h.trim()).filter((h) => h !== '');
      let client = peer;
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i] ?? '';
        if (isIP(hop) === 0) break;
        client = hop;
        if (!this.trusts(hop)) break;
      }
      view.address = client;
    }
    const proto = headerValue(headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
    if (proto === 'https' || proto === 'http') view.proto = proto;
    const host = headerValue(headers['x-forwarded-host'])?.split(',')[0]?.trim();
    if (host) view.host = host;
    const port = headerValue(headers['x-forwarded-port'])?.split(',')[0]?.trim();
    if (port && /^\d{1,5}$/.test(port)) view.port = port;
    return view;
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}
