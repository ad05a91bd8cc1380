/** A peer pod as the receiving end knows it: its logs and its live inbound links. */
export interface PeerSource {
  /** Stable key: the peer's ring id, else its forget-log id, else its node id. */
  readonly key: string;
  readonly node: string;
  readonly ring: string | null;
  readonly log: string | null;
  /** Inbound links from it that are up (normally one; two while one supersedes another). */
  readonly links: number;
  /** When its last link dropped (ms since the epoch), while it has none. */
  readonly downSince: number | undefined;
}

interface Entry {
  node: string;
  ring: string | null;
  log: string | null;
  links: Set<object>;
  downSince: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Key of a peer pod: what survives its sidecar's restart (the ring or log id kept in shared memory). */
export function sourceKey(hello: { node: string; ring: string | null; log: string | null }): string {
  return hello.ring ?? hello.log ?? hello.node;
}

/**
 * The peer pods streaming to this one, and their failure detection: when the
 * last link of a pod drops, a timer of `timeoutMs` starts; a link from the
 * same pod before it fires cancels it, otherwise the pod is lost (the caller
 * removes its members). Times in ms.
 */
export class PeerSources {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onLost: (source: PeerSource) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A link from a pod authenticated and said hello. */
  attach(hello: { node: string; ring: string | null; log: string | null }, link: object): string {
    const key = sourceKey(hello);
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { node: hello.node, ring: hello.ring, log: hello.log, links: new Set(), downSince: undefined, timer: undefined }));
    e.node = hello.node;
    e.links.add(link);
    clearTimeout(e.timer);
    e.timer = undefined;
    e.downSince = undefined;
    return key;
  }

  /** A link dropped; the pod's loss timer starts when it was the last one. */
  detach(key: string, link: object): void {
    const e = this.entries.get(key);
    if (!e?.links.delete(link) || e.links.size > 0) return;
    e.downSince = this.now();
    e.timer = setTimeout(() => {
      if (e.links.size > 0) return;
      this.entries.delete(key);
      this.onLost(this.view(key, e));
    }, this.timeoutMs);
    e.timer.unref();
  }

  /** Every known pod (up, or down and not yet lost). */
  list(): PeerSource[] {
    return [...this.entries].map(([key, e]) => this.view(key, e));
  }

  /** Stops every loss timer (shutdown: nothing is declared lost by a stopping sidecar). */
  close(): void {
    for (const e of this.entries.values()) clearTimeout(e.timer);
  }

  private view(key: string, e: Entry): PeerSource {
    return { key, node: e.node, ring: e.ring, log: e.log, links: e.links.size, downSince: e.downSince };
  }
}
