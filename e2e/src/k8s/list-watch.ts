import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeApi, WatchEvent } from './kube-api.js';

interface Watched {
  metadata: { uid: string; resourceVersion?: string };
}

/** A change to a watched object, after deduplication against the local cache. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * List, then watch from the list's resourceVersion, forever: a watch the
 * server ends is resumed from the last resourceVersion seen (bookmarks
 * included); an expired one (410) or a failed connection (an API server
 * restart) relists after a short back-off, and objects that vanished meanwhile
 * are reported DELETED. Callbacks never see the same resourceVersion twice.
 */
export class ListWatch<T extends Watched> {
  private readonly known = new Map<string, T>();
  private readonly abort = new AbortController();
  private stopped = false;
  private loopDone: Promise<void> | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly path: string,
    private readonly onChange: (type: ChangeType, obj: T) => void,
    private readonly query: Record<string, string> = {},
  ) {}

  /** Starts; resolves once the first list has been delivered. */
  async start(): Promise<void> {
    const rv = await this.relist();
    this.loopDone = this.loop(rv);
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loopDone;
  }

  /** Read through a method: stop() flips it while the loop awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async relist(): Promise<string> {
    const list = await this.api.request<{ items: T[]; metadata: { resourceVersion: string } }>('GET', this.path, { query: this.query });
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(item.metadata.uid);
      this.apply('ADDED', item);
    }
    for (const [uid, obj] of this.known) if (!seen.has(uid)) this.apply('DELETED', obj);
    return list.metadata.resourceVersion;
  }

  private apply(type: ChangeType, obj: T): void {
    const prev = this.known.get(obj.metadata.uid);
    if (type === 'DELETED') {
      if (!prev) return;
      this.known.delete(obj.metadata.uid);
      this.onChange('DELETED', obj);
      return;
    }
    if (prev?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.known.set(obj.metadata.uid, obj);
    this.onChange(prev ? 'MODIFIED' : 'ADDED', obj);
  }

  private async loop(startRv: string): Promise<void> {
    let rv = startRv;
    let failures = 0;
    while (!this.stopped) {
      try {
        const state = { expired: false };
        const perWatch = new AbortController();
        const onStop = (): void => {
          perWatch.abort();
        };
        this.abort.signal.addEventListener('abort', onStop);
        try {
          await this.api.watch(
            this.path,
            { ...this.query, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 240 },
            (ev: WatchEvent) => {
              const obj = ev.object as T & { code?: number };
              if (ev.type === 'ERROR') {
                state.expired = true;
                perWatch.abort();
                return;
              }
              if (obj.metadata.resourceVersion !== undefined) rv = obj.metadata.resourceVersion;
              if (ev.type !== 'BOOKMARK') this.apply(ev.type, obj);
            },
            perWatch.signal,
          );
        } finally {
          this.abort.signal.removeEventListener('abort', onStop);
        }
        failures = 0;
        if (state.expired && !this.isStopped()) rv = await this.relist();
      } catch {
        if (this.isStopped()) break;
        failures++;
        await sleep(Math.min(250 * 2 ** failures, 5000));
        if (this.isStopped()) break;
        try {
          rv = await this.relist();
        } catch {
          // Still unreachable: the next round backs off further.
        }
      }
    }
  }
}
