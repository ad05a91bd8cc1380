import type { KubeClient } from '../kube/kube-client.js';
import type { ResourceType } from '../kube/resource-type.js';
import { Controller } from './controller.js';
import type { ControllerOptions, Resource } from './controller.js';
import { EventRecorder } from './event-recorder.js';
import { LeaderElection } from './leader-election.js';
import type { LeaderElectionOptions } from './leader-election.js';
import type { Logger } from './logger.js';

/** Settings of an `Operator`. */
export interface OperatorOptions {
  client: KubeClient;
  log: Logger;
  /** `reportingController` of Events, e.g. `askr.dev/operator`. */
  name: string;
  /** This replica's identity (pod name): Events' `reportingInstance` and the Lease holder. */
  identity: string;
  /** Lease to hold before any controller runs; omit to run unconditionally (one replica). */
  leaderElection?: Omit<LeaderElectionOptions, 'client' | 'log' | 'identity'>;
  /** Watch one namespace only. Default: all. */
  namespace?: string;
}

/**
 * The process-level shell around controllers: one API client, one Event
 * recorder, optional Lease leader election. `start()` waits for the Lease, then
 * starts every controller; losing the Lease stops them and calls `onLost`
 * (the process should exit and be restarted, as controller-runtime does).
 */
export class Operator {
  readonly client: KubeClient;
  readonly log: Logger;
  readonly recorder: EventRecorder;
  private readonly opts: OperatorOptions;
  private readonly controllers: Controller<Resource>[] = [];
  private readonly election: LeaderElection | undefined;
  private started = false;

  constructor(opts: OperatorOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.log = opts.log;
    this.recorder = new EventRecorder({ client: opts.client, log: opts.log, controller: opts.name, instance: opts.identity });
    this.election = opts.leaderElection
      ? new LeaderElection({ ...opts.leaderElection, client: opts.client, log: opts.log, identity: opts.identity })
      : undefined;
  }

  /** Declares a controller for a resource type; register its handlers before `start()`. */
  controller<T extends Resource>(type: ResourceType, options: Omit<ControllerOptions, 'type' | 'client' | 'log' | 'recorder'> = {}): Controller<T> {
    const ctl = new Controller<T>({
      namespace: this.opts.namespace, ...options, type, client: this.client, log: this.log, recorder: this.recorder,
    });
    this.controllers.push(ctl as unknown as Controller<Resource>);
    return ctl;
  }

  /** True once controllers run (this replica leads, or election is off). */
  get running(): boolean {
    return this.started;
  }

  /**
   * Waits for leadership (if configured) and starts every controller.
   * Resolves false when `stop()` came first.
   * @param onLost called once if the Lease is lost after it was acquired
   */
  async start(onLost: () => void = () => undefined): Promise<boolean> {
    if (this.election) {
      const won = await this.election.run(() => {
        this.log.error('leadership lost; stopping controllers');
        void this.stopControllers().finally(onLost);
      });
      if (!won) return false;
    }
    await Promise.all(this.controllers.map((c) => c.start()));
    this.started = true;
    this.log.info('controllers started', { controllers: this.controllers.map((c) => c.type.plural) });
    return true;
  }

  /** Stops controllers and releases the Lease. */
  async stop(): Promise<void> {
    await this.stopControllers();
    await this.election?.stop();
  }

  private async stopControllers(): Promise<void> {
    this.started = false;
    await Promise.all(this.controllers.map((c) => c.stop()));
  }
}
