import type { FrontBus } from './front-bus.js';

/** Envelope of a bus message on the cluster IPC channel. */
export interface BusEnvelope {
  askrBus: { topic: string; payload: unknown; from: number };
}

export function isBusEnvelope(msg: unknown): msg is BusEnvelope {
  return typeof msg === 'object' && msg !== null && 'askrBus' in msg;
}

/**
 * The FrontBus of a front process running as a cluster worker: messages go to
 * the supervisor over the IPC channel, which relays them to every other front
 * process.
 */
export class ClusterFrontBus implements FrontBus {
  private readonly handlers = new Map<string, Set<(payload: unknown, fromProc: number) => void>>();

  constructor(
    readonly procIndex: number,
    readonly procs: number,
  ) {
    process.on('message', (msg: unknown) => {
      if (!isBusEnvelope(msg)) return;
      const { topic, payload, from } = msg.askrBus;
      for (const h of this.handlers.get(topic) ?? []) h(payload, from);
    });
  }

  publish(topic: string, payload: unknown): void {
    const envelope: BusEnvelope = { askrBus: { topic, payload, from: this.procIndex } };
    process.send?.(envelope);
  }

  subscribe(topic: string, handler: (payload: unknown, fromProc: number) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }
}
