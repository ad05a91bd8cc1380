import { Watch } from '@kubernetes/client-node';
import { errorMessage } from '../errors.js';
import type { KubeClient, ListOptions } from '../kube/kube-client.js';
import { objectKey } from '../kube/kube-object.js';
import type { KubeObject } from '../kube/kube-object.js';
import { resourcePath } from '../kube/resource-type.js';
import type { ResourceType } from '../kube/resource-type.js';
import { Backoff } from './backoff.js';
import { abortableSleep } from './abortable-sleep.js';
import type { Logger } from './logger.js';

/** What changed in the cache. `old` is the previous version for MODIFIED and DELETED. */
export interface CacheEvent<T extends KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
  old: T | undefined;
}

/** Settings of a `ListWatch`. */
export interface ListWatchOptions extends ListOptions {
  client: KubeClient;
  type: ResourceType;
  log: Logger;
  /** Server-side watch timeout, seconds. The watch is resumed from its resourceVersion after it. Default 300. */
  watchTimeoutSeconds?: number;
  /** Backoff after a failed list or watch, milliseconds. Default 500 → 30 000. */
  backoff?: { initialMs: number; maxMs: number };
}

/**
 * An informer: lists once, then watches from the list's resourceVersion and
 * keeps an in-memory cache of the objects. Unlike client-node 1.x's informer
 * it never stops on an error: every end of the stream resumes from the last
 * resourceVersion seen (bookmarks included), a 410 Gone relists (emitting
 * DELETED for objects that vanished meanwhile), and errors back off with
 * jitter. A watchdog aborts a stream that stays silent past its server timeout.
 */
export class ListWatch<T extends KubeObject> {
  private readonly opts: ListWatchOptions;
  private readonly cache = new Map<string, T>();
  private readonly listeners: ((ev: CacheEvent<T>) => void)[] = [];
  private readonly backoff: Backoff;
  private rv: string | undefined;
  private stopper = new AbortController();
  private running = false;
  private syncedOnce: Promise<void> | undefined;
  private markSynced: () => void = () => undefined;
  private loop: Promise<void> | undefined;

  constructor(opts: ListWatchOptions) {
    this.opts = opts;
    this.backoff = new Backoff(opts.backoff?.initialMs ?? 500, opts.backoff?.maxMs ?? 30_000);
  }

  /** Registers a listener for cache changes. */
  on(listener: (ev: CacheEvent<T>) => void): void {
    this.listeners.push(listener);
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.stopper = new AbortController();
      this.syncedOnce = new Promise((resolve) => { this.markSynced = resolve; });
      this.loop = this.run();
    }
    return this.syncedOnce ?? Promise.resolve();
  }

  /** Stops the watch; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopper.abort();
    await this.loop;
  }

  /** The cached object with this `namespace/name` key. */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Every cached object, optionally in one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get resourceVersion(): string | undefined {
    return this.rv;
  }

  private isRunning(): boolean {
    return this.running;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.rv === undefined) await this.relist();
        const startedAt = Date.now();
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          this.opts.log.info('watch expired (410); relisting', { resource: this.opts.type.plural });
          this.rv = undefined;
          continue;
        }
        // A stream that ends at once (a proxy closing it, a server restarting)
        // would otherwise be reopened in a tight loop.
        if (outcome === 'ok' && Date.now() - startedAt >= 1000) {
          this.backoff.reset();
          continue;
        }
        await abortableSleep(this.backoff.next(), this.stopper.signal);
      } catch (err) {
        if (!this.isRunning()) break;
        this.opts.log.warn('list/watch failed; backing off', { resource: this.opts.type.plural, error: errorMessage(err) });
        await abortableSleep(this.backoff.next(), this.stopper.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.opts.client.list<T>(this.opts.type, this.opts);
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      this.upsert(item);
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit({ type: 'DELETED', object: old, old });
    }
    this.rv = resourceVersion;
    this.markSynced();
  }

  /** One watch stream: 'ok' when it ended normally, 'gone' on 410, 'error' otherwise. */
  private watchOnce(): Promise<'ok' | 'gone' | 'error'> {
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? 300;
    const path = resourcePath(this.opts.type, this.opts.namespace);
    const watch = new Watch(this.opts.client.kubeConfig);
    return new Promise((resolve) => {
      let outcome: 'ok' | 'gone' | 'error' = 'ok';
      let abort: AbortController | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(watchdog);
        this.stopper.signal.removeEventListener('abort', onStop);
        resolve(outcome);
      };
      const onStop = (): void => { abort?.abort(); finish(); };
      // A watch can go silent without closing (a dead proxy, a half-open TCP
      // connection); the server ends it after timeoutSeconds, so past that plus
      // a margin it is dead.
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => { outcome = 'error'; abort?.abort(); finish(); }, (timeoutSeconds + 30) * 1000);
        watchdog.unref();
      };
      this.stopper.signal.addEventListener('abort', onStop, { once: true });
      arm();
      const onEvent = (type: string, obj: unknown): void => {
        arm();
        if (type === 'ERROR') {
          const status = obj as { code?: number; message?: string };
          outcome = status.code === 410 ? 'gone' : 'error';
          if (outcome === 'error') this.opts.log.warn('watch error event', { resource: this.opts.type.plural, message: status.message });
          abort?.abort();
          return;
        }
        const object = obj as T;
        const rv = object.metadata.resourceVersion;
        if (type === 'BOOKMARK') {
          if (rv) this.rv = rv;
          return;
        }
        if (type === 'ADDED' || type === 'MODIFIED') this.upsert(object);
        else if (type === 'DELETED') this.remove(object);
        if (rv) this.rv = rv;
      };
      const onDone = (err: unknown): void => {
        if (err) {
          const code = (err as { statusCode?: number }).statusCode;
          if (outcome === 'ok') outcome = code === 410 ? 'gone' : 'error';
          if (outcome === 'error' && this.running) {
            this.opts.log.warn('watch ended with an error', { resource: this.opts.type.plural, error: errorMessage(err) });
          }
        }
        finish();
      };
      const query = {
        resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds,
        labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
      };
      watch.watch(path, query, onEvent, onDone).then((ctl) => {
        abort = ctl;
        if (!this.running) ctl.abort();
      }, (err: unknown) => { onDone(err); });
    });
  }

  private upsert(object: T): void {
    object.apiVersion ??= this.opts.type.group === '' ? this.opts.type.version : `${this.opts.type.group}/${this.opts.type.version}`;
    object.kind ??= this.opts.type.kind;
    const key = objectKey(object);
    const old = this.cache.get(key);
    if (old?.metadata.resourceVersion === object.metadata.resourceVersion && old !== undefined) return;
    this.cache.set(key, object);
    this.emit({ type: old === undefined ? 'ADDED' : 'MODIFIED', object, old });
  }

  private remove(object: T): void {
    const key = objectKey(object);
    const old = this.cache.get(key);
    this.cache.delete(key);
    this.emit({ type: 'DELETED', object, old });
  }

  private emit(ev: CacheEvent<T>): void {
    for (const listener of this.listeners) {
      try {
        listener(ev);
      } catch (err) {
        this.opts.log.error('cache listener threw', { resource: this.opts.type.plural, error: errorMessage(err) });
      }
    }
  }
}
