/**
 * When a sidecar restarts with the cache it kept, the entries it holds may
 * carry tags a peer forgot while it was away. They are withheld (the store's
 * `hold()`) until this decides the pod has heard from everyone who could have
 * forgotten something:
 *
 * - every peer whose forget log it was following when it stopped (the live
 *   cursors it kept in shared memory) has caught up with it, and
 * - at least as many peers as discovery lists have caught up (a pod that
 *   joined the fleet meanwhile is not in the kept cursors).
 *
 * Pure: the caller feeds it events and reads `done`. Past the deadline the
 * caller forgets the held entries instead.
 */
export class StartupHold {
  private readonly expected: Set<string>;
  private readonly synced = new Set<string>();
  private readonly syncedLogs = new Set<string>();
  private targets: number | undefined;

  /**
   * @param expectedLogs forget-log ids of the peers this pod was following when it stopped.
   * @param targets peers discovery lists now, or undefined until it has resolved once.
   */
  constructor(expectedLogs: Iterable<string>, targets?: number) {
    this.expected = new Set(expectedLogs);
    this.targets = targets;
  }

  /** Discovery (re)resolved: this many peers, not counting this pod. */
  setTargets(count: number): void {
    this.targets = count;
  }

  /** A peer (`source`: its stable key) finished its catch-up; `log` is its forget-log id, if it keeps one. */
  sourceSynced(source: string, log: string | null): void {
    this.synced.add(source);
    if (log !== null) this.syncedLogs.add(log);
  }

  /** Forget-log ids still awaited. */
  missing(): string[] {
    return [...this.expected].filter((id) => !this.syncedLogs.has(id));
  }

  /** True once the held entries may be served again. */
  get done(): boolean {
    if (this.missing().length > 0) return false;
    return this.targets !== undefined && this.synced.size >= this.targets;
  }
}
