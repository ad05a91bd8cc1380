import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HarnessError } from './errors.js';
import { harnessPrefix, ipSync } from './harness-run.js';
import type { HarnessRun } from './harness-run.js';
import type { PodNetworkRange } from './pod-subnet.js';

/** One pod's network: its namespace (as `ip netns` names it) and its address. */
export interface PodSandboxNetwork {
  netns: string;
  /** `/run/netns/<netns>`, for `nsenter --net=`. */
  netnsPath: string;
  ip: string;
  /** Host end of the pod's veth pair (its other end is `eth0` in the pod). */
  hostVeth: string;
}

/** Runs `ip` with lines on stdin (`ip -batch -`), bounded in time. */
function ipBatch(lines: string[], netns?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [...(netns === undefined ? [] : ['-n', netns]), '-batch', '-'];
    const child = execFile('ip', args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) reject(new HarnessError('ASKR_ERR_K8S_NETWORK', `ip ${args.join(' ')} failed: ${stderr || err.message}\n${lines.join('\n')}`));
      else resolve();
    });
    child.stdin?.end(`${lines.join('\n')}\n`);
  });
}

/**
 * The node's pod network: a Linux bridge in the root namespace holding the
 * gateway address of the cluster's pod /24, and per pod a network namespace
 * joined to it by a veth pair. Pods get distinct addresses and the same ports
 * in every pod, reach each other and the gateway over the bridge, and the host
 * (the API server's pod proxy, the tests) reaches them by their pod IP. Every
 * link carries the alias `askr-e2e:<run id>` so a later run can reap it.
 */
export class PodNetwork {
  readonly bridge: string;
  readonly range: PodNetworkRange;
  private readonly run: HarnessRun;
  private readonly used = new Set<number>();
  private readonly sandboxes = new Set<PodSandboxNetwork>();
  private removeHook: (() => void) | undefined;
  private seq = 0;

  private constructor(range: PodNetworkRange, run: HarnessRun) {
    this.range = range;
    this.run = run;
    this.bridge = `askrbr${randomBytes(4).toString('hex')}`;
  }

  /** Creates the bridge with the gateway address and brings it up. */
  static async create(range: PodNetworkRange, run: HarnessRun): Promise<PodNetwork> {
    const net = new PodNetwork(range, run);
    net.removeHook = run.addExitHook(() => {
      net.destroySync();
    });
    await ipBatch([
      `link add ${net.bridge} type bridge`,
      `link set ${net.bridge} alias ${harnessPrefix}:${run.id}`,
      `addr add ${range.gateway}/24 dev ${net.bridge}`,
      `link set ${net.bridge} up`,
    ]);
    return net;
  }

  /** Creates a pod's namespace and veth pair and gives it the next free address. */
  async attach(): Promise<PodSandboxNetwork> {
    let host = 2;
    while (this.used.has(host)) host++;
    if (host > 254) throw new HarnessError('ASKR_ERR_K8S_NETWORK', `no free address left in ${this.range.cidr}`);
    this.used.add(host);
    const netns = `${harnessPrefix}-${this.run.id}-${this.seq++}`;
    const sandbox: PodSandboxNetwork = { netns, netnsPath: `/run/netns/${netns}`, ip: `${this.range.prefix}.${host}`, hostVeth: `askr${randomBytes(4).toString('hex')}` };
    this.sandboxes.add(sandbox);
    try {
      await ipBatch([
        `netns add ${netns}`,
        `link add ${sandbox.hostVeth} type veth peer name eth0 netns ${netns}`,
        `link set ${sandbox.hostVeth} alias ${harnessPrefix}:${this.run.id}`,
        `link set ${sandbox.hostVeth} master ${this.bridge}`,
        `link set ${sandbox.hostVeth} up`,
      ]);
      await ipBatch(['link set lo up', `addr add ${sandbox.ip}/24 dev eth0`, 'link set eth0 up', `route add default via ${this.range.gateway}`], netns);
    } catch (err) {
      await this.detach(sandbox);
      throw err;
    }
    return sandbox;
  }

  /** Removes a pod's veth pair and namespace and frees its address. */
  async detach(sandbox: PodSandboxNetwork): Promise<void> {
    if (!this.sandboxes.delete(sandbox)) return;
    // Deleting the host end first removes the pair at once (a namespace's links go asynchronously).
    await ipBatch([`link del ${sandbox.hostVeth}`]).catch(() => undefined);
    await ipBatch([`netns del ${sandbox.netns}`]).catch(() => undefined);
    this.used.delete(Number(sandbox.ip.split('.')[3]));
  }

  /** Removes every pod network and the bridge. */
  async destroy(): Promise<void> {
    for (const s of [...this.sandboxes]) await this.detach(s);
    await ipBatch([`link del ${this.bridge}`]).catch(() => undefined);
    this.removeHook?.();
  }

  private destroySync(): void {
    for (const s of this.sandboxes) {
      ipSync(['link', 'del', s.hostVeth]);
      ipSync(['netns', 'del', s.netns]);
    }
    this.sandboxes.clear();
    ipSync(['link', 'del', this.bridge]);
  }
}
