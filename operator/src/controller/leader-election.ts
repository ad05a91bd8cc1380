import { errorMessage } from '../errors.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject } from '../kube/kube-object.js';
import { isStatus } from '../kube/kube-api-error.js';
import { resourceTypes } from '../kube/resource-type.js';
import { abortableSleep } from './abortable-sleep.js';
import { microTime } from './conditions.js';
import type { Logger } from './logger.js';

/** Settings of a `LeaderElection`; durations follow controller-runtime's defaults. */
export interface LeaderElectionOptions {
  client: KubeClient;
  log: Logger;
  /** Lease name and namespace. */
  name: string;
  namespace: string;
  /** This replica's identity (its pod name). */
  identity: string;
  /** How long a lease is valid without renewal, seconds. Default 15. */
  leaseDurationSeconds?: number;
  /** A leader that cannot renew for this long steps down, milliseconds. Default 10 000. */
  renewDeadlineMs?: number;
  /** Pause between acquire or renew attempts, milliseconds. Default 2 000. */
  retryPeriodMs?: number;
  /** Local monotonic-ish clock, milliseconds (tests). */
  now?: () => number;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it:
 * a replica takes the Lease when it is free or its holder has not renewed for
 * `leaseDurationSeconds` (measured on the local clock from when this replica
 * last saw the record change, so clock skew between nodes does not matter),
 * writes with the Lease's resourceVersion (compare-and-swap), renews every
 * `retryPeriodMs`, and steps down after `renewDeadlineMs` without a renewal.
 * Only the leader runs controllers and scrapes pods.
 */
export class LeaderElection {
  private readonly opts: Required<Omit<LeaderElectionOptions, 'now'>> & { now: () => number };
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  /** Set when the last attempt found another live holder: step down at once. */
  private otherHolder = false;
  private readonly stopper = new AbortController();

  constructor(opts: LeaderElectionOptions) {
    this.opts = {
      ...opts,
      leaseDurationSeconds: opts.leaseDurationSeconds ?? 15,
      renewDeadlineMs: opts.renewDeadlineMs ?? 10_000,
      retryPeriodMs: opts.retryPeriodMs ?? 2000,
      now: opts.now ?? Date.now,
    };
  }

  /** True while this replica holds the Lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Waits until this replica holds the Lease, then keeps renewing it in the
   * background and calls `onLost` once if it ever stops being the leader.
   * Resolves false if `stop()` is called before leadership was acquired.
   */
  async run(onLost: () => void): Promise<boolean> {
    while (!this.stopper.signal.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await abortableSleep(this.opts.retryPeriodMs, this.stopper.signal);
    }
    if (this.stopped()) return false;
    this.leading = true;
    this.opts.log.info('acquired leader lease', { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity });
    void this.renewLoop(onLost);
    return true;
  }

  /** Stops renewing and, if leading, releases the Lease so a successor need not wait. */
  async stop(): Promise<void> {
    this.stopper.abort();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.opts.client.get<Lease>(resourceTypes.leases, this.opts.namespace, this.opts.name);
      if (lease?.spec?.holderIdentity !== this.opts.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
      await this.opts.client.replace(resourceTypes.leases, lease);
    } catch (err) {
      this.opts.log.warn('could not release the leader lease', { error: errorMessage(err) });
    }
  }

  private stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async renewLoop(onLost: () => void): Promise<void> {
    let lastRenew = this.opts.now();
    while (!this.stopper.signal.aborted) {
      await abortableSleep(this.opts.retryPeriodMs, this.stopper.signal);
      if (this.stopped()) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.opts.now();
        continue;
      }
      if (this.opts.now() - lastRenew >= this.opts.renewDeadlineMs || this.otherHolder) {
        this.leading = false;
        this.opts.log.error('lost the leader lease', { lease: `${this.opts.namespace}/${this.opts.name}` });
        onLost();
        return;
      }
    }
  }

  /** One attempt; true when this replica holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, leaseDurationSeconds } = this.opts;
    const now = new Date();
    try {
      const lease = await client.get<Lease>(resourceTypes.leases, namespace, name);
      if (!lease) {
        await client.create<Lease>(resourceTypes.leases, {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        this.otherHolder = false;
        return true;
      }
      const spec = lease.spec ?? {};
      const record = JSON.stringify(spec);
      if (record !== this.observedRecord) {
        this.observedRecord = record;
        this.observedAt = this.opts.now();
      }
      const holder = spec.holderIdentity ?? '';
      const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      const mine = holder === identity;
      if (!mine && holder !== '' && this.observedAt + duration > this.opts.now()) {
        this.otherHolder = true;
        return false;
      }
      lease.spec = {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: mine ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      };
      const written = await client.replace(resourceTypes.leases, lease);
      this.observedRecord = JSON.stringify(written.spec ?? {});
      this.observedAt = this.opts.now();
      this.otherHolder = false;
      return true;
    } catch (err) {
      // 409: someone else wrote first; the next attempt sees their record.
      if (!isStatus(err, 409)) this.opts.log.warn('leader lease attempt failed', { error: errorMessage(err) });
      return false;
    }
  }
}
