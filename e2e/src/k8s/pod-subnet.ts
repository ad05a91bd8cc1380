import { HarnessError } from './errors.js';
import { ipSync, releaseLeases, tryTakeLease } from './harness-run.js';
import type { HarnessRun } from './harness-run.js';

/**
 * The networks of one test cluster: pods in a /24 of 10.244.0.0/16 and Service
 * ClusterIPs in the matching /24 of 10.96.0.0/16 (the ranges Kubernetes
 * examples use), reserved for one run so concurrent runs on one machine never
 * overlap. The gateway is the host's address on the pods' bridge: the API
 * server's serving certificate includes it, so pods reach the API server there
 * as they would reach the `kubernetes` Service.
 */
export interface PodNetworkRange {
  /** e.g. `10.244.7.0/24`. */
  cidr: string;
  /** e.g. `10.244.7.1`. */
  gateway: string;
  /** The first three octets, e.g. `10.244.7`; pod addresses are `${prefix}.2` … `${prefix}.254`. */
  prefix: string;
  /** ClusterIPs, e.g. `10.96.7.0/24` (kube-apiserver's --service-cluster-ip-range). */
  serviceCidr: string;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Every IPv4 prefix the host already routes or owns, as [first, last] integers. */
function hostRanges(): [number, number][] {
  const out: [number, number][] = [];
  const add = (cidr: string): void => {
    const [addr, bitsText] = cidr.split('/');
    if (addr === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return;
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (bits === 0) return; // the default route overlaps everything and matters not
    const size = 2 ** (32 - bits);
    const first = Math.floor(toInt(addr) / size) * size;
    out.push([first, first + size - 1]);
  };
  const routes = ipSync(['-j', '-4', 'route', 'show', 'table', 'all']);
  if (routes !== '') for (const r of JSON.parse(routes) as { dst?: string }[]) if (r.dst !== undefined && r.dst !== 'default') add(r.dst);
  const addrs = ipSync(['-j', '-4', 'addr', 'show']);
  if (addrs !== '') {
    for (const l of JSON.parse(addrs) as { addr_info?: { local?: string; prefixlen?: number }[] }[]) {
      for (const a of l.addr_info ?? []) if (a.local !== undefined) add(`${a.local}/${a.prefixlen ?? 32}`);
    }
  }
  return out;
}

/** Reserves a free /24 for this run; throws if all 254 are taken or routed. */
export function reservePodSubnet(run: HarnessRun): PodNetworkRange {
  const taken = hostRanges();
  const free = (net: string): boolean => {
    const first = toInt(net);
    return !taken.some(([a, b]) => a <= first + 255 && b >= first);
  };
  for (let n = 1; n < 255; n++) {
    if (!free(`10.244.${n}.0`) || !free(`10.96.${n}.0`)) continue;
    if (!tryTakeLease(`subnet-10.244.${n}`, run.id)) continue;
    return { cidr: `10.244.${n}.0/24`, gateway: `10.244.${n}.1`, prefix: `10.244.${n}`, serviceCidr: `10.96.${n}.0/24` };
  }
  throw new HarnessError('ASKR_ERR_K8S_NETWORK', 'no free /24 left in 10.244.0.0/16 for a pod network');
}

/** Returns a reserved /24. */
export function releasePodSubnet(range: PodNetworkRange, run: HarnessRun): void {
  const name = `subnet-${range.prefix}`;
  releaseLeases((owner, lease) => owner === run.id && lease === name);
}
