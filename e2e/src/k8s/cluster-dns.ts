import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { KubeApi } from './kube-api.js';

/** The cluster domain, as a kubelet's `--cluster-domain` default. */
export const clusterDomain = 'cluster.local';

const typeA = 1;
const typeAny = 255;
const rcodeNxDomain = 3;
const rcodeServFail = 2;
/** Seconds clients may cache an answer (CoreDNS's kubernetes plugin default). */
const ttl = 5;

interface Question {
  name: string;
  type: number;
  /** Byte offset where the question section ends. */
  end: number;
}

function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length) {
    const len = msg[i] ?? 0;
    if (len === 0) break;
    // Compression pointers never appear in a question's first name.
    if (len >= 0xc0) return undefined;
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += len + 1;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

function answer(query: Buffer, q: Question, rcode: number, ips: string[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, the query's opcode and RD, AA (we are the authority for the cluster domain), RA.
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const records = ips.map((ip) => {
    const r = Buffer.alloc(16);
    r.writeUInt16BE(0xc00c, 0);
    r.writeUInt16BE(typeA, 2);
    r.writeUInt16BE(1, 4);
    r.writeUInt32BE(ttl, 6);
    r.writeUInt16BE(4, 10);
    ip.split('.').forEach((o, k) => r.writeUInt8(Number(o), 12 + k));
    return r;
  });
  return Buffer.concat([header, query.subarray(12, q.end), ...records]);
}

/**
 * The cluster's DNS, as CoreDNS would answer it for the names tests need:
 * `<service>.<namespace>.svc.cluster.local` resolves to the ClusterIP, or for a
 * headless Service to the addresses of its ready endpoints (all of them with
 * `publishNotReadyAddresses`), and `<hostname>.<service>.<namespace>.svc…` to
 * that endpoint. Other cluster names are NXDOMAIN; anything else is relayed to
 * the host's resolver. UDP only, A records only (AAAA and others get an empty
 * answer), read live from the API so answers track EndpointSlices.
 */
export class ClusterDns {
  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    private readonly api: KubeApi,
    private readonly upstream: string | undefined,
  ) {}

  /** Listens on `host:53` (UDP). */
  static async start(host: string, api: KubeApi): Promise<ClusterDns> {
    const socket = createSocket('udp4');
    const upstream = /^nameserver\s+(\d+\.\d+\.\d+\.\d+)/m.exec(readHostResolvConf())?.[1];
    const dns = new ClusterDns(socket, host, api, upstream);
    socket.on('message', (msg, rinfo) => {
      dns
        .handle(msg)
        .then((reply) => {
          if (reply) socket.send(reply, rinfo.port, rinfo.address);
        })
        .catch(() => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(53, host, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    socket.unref();
    return dns;
  }

  /** A pod's /etc/resolv.conf under dnsPolicy ClusterFirst. */
  resolvConf(namespace: string): string {
    return `nameserver ${this.host}\nsearch ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}\noptions ndots:5\n`;
  }

  /** Stops answering. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.close(() => {
        resolve();
      });
    });
  }

  private async handle(msg: Buffer): Promise<Buffer | undefined> {
    const q = parseQuestion(msg);
    if (!q) return undefined;
    if (q.name !== clusterDomain && !q.name.endsWith(`.${clusterDomain}`)) return this.relay(msg);
    try {
      const ips = await this.lookup(q.name);
      if (ips === undefined) return answer(msg, q, rcodeNxDomain, []);
      return answer(msg, q, 0, q.type === typeA || q.type === typeAny ? ips : []);
    } catch {
      return answer(msg, q, rcodeServFail, []);
    }
  }

  /** Addresses of a cluster name; undefined if it does not exist. */
  private async lookup(name: string): Promise<string[] | undefined> {
    const labels = name.slice(0, -(clusterDomain.length + 1)).split('.');
    if (labels.at(-1) !== 'svc' || labels.length < 3 || labels.length > 4) return undefined;
    const [hostname, svc, ns] = labels.length === 4 ? labels : [undefined, ...labels];
    if (svc === undefined || ns === undefined) return undefined;
    const service = await this.api.getOrUndefined<{ spec: { clusterIP?: string; publishNotReadyAddresses?: boolean } }>(`/api/v1/namespaces/${ns}/services/${svc}`);
    if (!service) return undefined;
    if (hostname === undefined && service.spec.clusterIP !== undefined && service.spec.clusterIP !== 'None') return [service.spec.clusterIP];
    const slices = await this.api.request<{ items: { endpoints?: { addresses: string[]; hostname?: string; conditions?: { ready?: boolean } }[] }[] }>('GET', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
      query: { labelSelector: `kubernetes.io/service-name=${svc}` },
    });
    const ips = slices.items
      .flatMap((s) => s.endpoints ?? [])
      .filter((e) => service.spec.publishNotReadyAddresses === true || e.conditions?.ready !== false)
      .filter((e) => hostname === undefined || e.hostname === hostname)
      .flatMap((e) => e.addresses);
    return hostname !== undefined && ips.length === 0 ? undefined : [...new Set(ips)];
  }

  /** Relays a query for a non-cluster name to the host's resolver (2 s bound). */
  private relay(msg: Buffer): Promise<Buffer | undefined> {
    const upstream = this.upstream;
    if (upstream === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      const done = (reply?: Buffer): void => {
        clearTimeout(timer);
        s.close();
        resolve(reply);
      };
      const timer = setTimeout(done, 2000);
      s.on('message', (reply) => {
        done(reply);
      });
      s.on('error', () => {
        done();
      });
      s.send(msg, 53, upstream);
    });
  }
}

function readHostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}
