import { SYNC_TOPIC, WAKE_TOPIC, type BroadcastHub } from '../broadcast/broadcast-hub.js';
import type { LocalFrontBus } from '../ipc/front-bus.js';

/**
 * How the supervisor's ring tap and the pod's front processes tell each other
 * about the broadcast ring: the front processes' appends wake the tap; the
 * tap's appends (records from peers) wake the front processes; after a loss
 * the tap asks them for snapshots.
 */
export interface RingSignals {
  /** Calls `listener` whenever a front process may have appended records. Returns its remover. */
  onAppend(listener: () => void): () => void;
  /** Makes every front process drain the ring now. */
  wake(): void;
  /** Asks every front process to append a snapshot of its subscriptions. */
  requestSnapshots(): void;
}

/** The supervisor's side of the cluster IPC channel (`FrontCluster`). */
export interface SupervisorBus {
  /** Observes bus messages the front processes send each other. */
  observe(topic: string, handler: (payload: unknown) => void): () => void;
  /** Sends a bus message to every front process. */
  publish(topic: string, payload: unknown): void;
}

/** Signals with several front processes: the ring's own bus topics over the cluster IPC channel. */
export function clusterSignals(bus: SupervisorBus): RingSignals {
  return {
    onAppend: (listener) => bus.observe(WAKE_TOPIC, () => { listener(); }),
    wake: () => { bus.publish(WAKE_TOPIC, null); },
    requestSnapshots: () => { bus.publish(SYNC_TOPIC, { from: 'peers' }); },
  };
}

/**
 * Signals with one front process living in the supervisor's own process: its
 * hub's record listener, a direct drain, and its bus's snapshot request.
 */
export function hubSignals(hub: BroadcastHub, bus: LocalFrontBus): RingSignals {
  return {
    onAppend: (listener) => hub.subscribe(() => { listener(); }),
    wake: () => { hub.drain(); },
    requestSnapshots: () => { bus.deliver(SYNC_TOPIC, { from: 'peers' }, -1); },
  };
}

/** Signals that do nothing yet; `attach` connects them once the front processes run. */
export class LateSignals implements RingSignals {
  private target: RingSignals | undefined;
  private readonly listeners = new Set<() => void>();
  private detach: (() => void) | undefined;

  attach(target: RingSignals): void {
    this.detach?.();
    this.target = target;
    this.detach = target.onAppend(() => {
      for (const l of this.listeners) l();
    });
    for (const l of this.listeners) l();
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wake(): void {
    this.target?.wake();
  }

  requestSnapshots(): void {
    this.target?.requestSnapshots();
  }
}
