/**
 * A small message bus between the front processes of one pod (`--http-procs`).
 * Shared memory holds the state; the bus only carries wake-ups and small
 * notices ("ring advanced", "cache key ready") so that nobody has to poll.
 *
 * Delivery is best effort and in order per sender; a message is delivered to
 * every *other* front process, never back to its sender. Subscribers must treat a
 * notice as a hint and re-read shared memory.
 */
export interface FrontBus {
  /** Index of this front process, 0..procs-1. */
  readonly procIndex: number;
  /** Number of front processes in the pod. */
  readonly procs: number;
  publish(topic: string, payload: unknown): void;
  subscribe(topic: string, handler: (payload: unknown, fromProc: number) => void): () => void;
}

/** The bus of a pod with one front process: nothing to deliver to. */
export class LocalFrontBus implements FrontBus {
  readonly procIndex = 0;
  readonly procs = 1;
  private readonly handlers = new Map<string, Set<(payload: unknown, fromProc: number) => void>>();

  publish(_topic: string, _payload: unknown): void {
    // No other process to tell.
  }

  subscribe(topic: string, handler: (payload: unknown, fromProc: number) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Delivers a message as if another process had published it (used by the cluster bus and tests). */
  deliver(topic: string, payload: unknown, fromProc: number): void {
    for (const h of this.handlers.get(topic) ?? []) h(payload, fromProc);
  }
}
