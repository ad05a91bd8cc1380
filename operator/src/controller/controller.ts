import { errorMessage, PermanentError, TemporaryError } from '../errors.js';
import { isStatus } from '../kube/kube-api-error.js';
import type { KubeClient } from '../kube/kube-client.js';
import { controllerOf, objectKey } from '../kube/kube-object.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { ResourceType } from '../kube/resource-type.js';
import { apiVersionOf } from '../kube/resource-type.js';
import { deepEqual } from './deep-equal.js';
import type { EventRecorder } from './event-recorder.js';
import type { Cause, Handler, HandlerContext, Resource } from './handler-types.js';
import { KeyLock } from './key-lock.js';
import { ListWatch } from './list-watch.js';
import type { CacheEvent } from './list-watch.js';
import type { Logger } from './logger.js';
import { ObjectTimers } from './object-timers.js';
import { handlerAction, metaChanged, olderThan, requeueAfter } from './object-changes.js';
import { WorkQueue } from './work-queue.js';

export type { Cause, Handler, HandlerContext, HandlerResult, Resource } from './handler-types.js';

/** Settings of a `Controller`. */
export interface ControllerOptions {
  type: ResourceType;
  client: KubeClient;
  log: Logger;
  recorder: EventRecorder;
  /** Watch one namespace only. Default: all. */
  namespace?: string;
  labelSelector?: string;
  /** Finalizer added when a blocking delete handler is registered. Default `<group>/finalizer`. */
  finalizer?: string;
  /** Whether the type has a status subresource (`observedGeneration` is written there). Default true. */
  statusSubresource?: boolean;
  /** Every object is reconciled again at least this often, milliseconds. Default 600 000. */
  resyncMs?: number;
  /** Keys reconciled in parallel. Default 2. */
  concurrency?: number;
  /** Per-key retry backoff, milliseconds. Default 1 000 → 300 000. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

interface Registered<T extends Resource> {
  causes: Set<Cause>;
  handler: Handler<T>;
  optional: boolean;
}

/**
 * A kopf-style controller for one resource type: register handlers per cause
 * (`on`), per-object timers (`timer`), owned child types (`owns`) and extra
 * caches (`cache`); `start()` lists and watches and runs level-triggered passes
 * through a rate-limited work queue. Handlers signal what should happen next by
 * returning `{ requeueAfterMs }` or throwing `TemporaryError(delayMs)` (retry
 * then), `PermanentError` (wait for the next change) or anything else
 * (exponential backoff). A non-optional delete handler puts a finalizer on
 * every object so the handler runs before the object goes.
 */
export class Controller<T extends Resource> {
  readonly type: ResourceType;
  private readonly opts: ControllerOptions;
  private readonly primary: ListWatch<T>;
  private readonly caches: ListWatch<KubeObject>[] = [];
  private readonly handlers: Registered<T>[] = [];
  private readonly queue: WorkQueue;
  private readonly lock = new KeyLock();
  private readonly timers: ObjectTimers<Handler<T>>;
  private readonly seen = new Set<string>();
  private readonly tombstones = new Map<string, T>();
  /**
   * Objects as returned by this controller's own status writes, until the
   * watch catches up: a pass right after a write must not start from the
   * older cached status (it would write back stale conditions).
   */
  private readonly written = new Map<string, T>();
  /** Keys whose delete handlers already ran behind the finalizer. */
  private readonly finalized = new Set<string>();
  private readonly stopper = new AbortController();
  private resync: NodeJS.Timeout | undefined;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.type = opts.type;
    this.primary = new ListWatch<T>({ client: opts.client, type: opts.type, log: opts.log, namespace: opts.namespace, labelSelector: opts.labelSelector });
    this.queue = new WorkQueue({
      process: (key) => this.lock.run(key, () => this.pass(key)), log: opts.log,
      concurrency: opts.concurrency, baseDelayMs: opts.baseDelayMs, maxDelayMs: opts.maxDelayMs,
    });
    this.timers = new ObjectTimers<Handler<T>>({
      run: (key, fire) => this.lock.run(key, () => this.tick(key, fire)),
      log: opts.log,
    });
    this.primary.on((ev) => { this.onPrimary(ev); });
  }

  /** Registers a handler for one or more causes. `optional` delete handlers add no finalizer and run best-effort. */
  on(causes: Cause | readonly Cause[], handler: Handler<T>, options: { optional?: boolean } = {}): this {
    const set = new Set(typeof causes === 'string' ? [causes] : causes);
    this.handlers.push({ causes: set, handler, optional: options.optional ?? false });
    return this;
  }

  /** Calls `handler` every `intervalMs` for every live object, after `initialDelayMs`. Serialised with reconcile passes. */
  timer(handler: Handler<T>, options: { intervalMs: number; initialDelayMs?: number }): this {
    this.timers.register(handler, options.intervalMs, options.initialDelayMs ?? options.intervalMs);
    return this;
  }

  /** Watches a child type: a change to a child reconciles its controlling owner of this type. */
  owns(type: ResourceType, options: { labelSelector?: string } = {}): ListWatch<KubeObject> {
    const lw = this.cache(type, options);
    lw.on((ev) => {
      const ref = controllerOf(ev.object);
      const apiVersion = apiVersionOf(this.type);
      if (ref?.kind !== this.type.kind || ref.apiVersion !== apiVersion) return;
      const ns = ev.object.metadata.namespace;
      this.queue.add(ns ? `${ns}/${ref.name}` : ref.name);
    });
    return lw;
  }

  /** Keeps an in-memory cache of another type for handlers to read (no reconcile on change). */
  cache<C extends KubeObject = KubeObject>(type: ResourceType, options: { labelSelector?: string } = {}): ListWatch<C> {
    const lw = new ListWatch<KubeObject>({
      client: this.opts.client, type, log: this.opts.log, namespace: this.opts.namespace, labelSelector: options.labelSelector,
    });
    this.caches.push(lw);
    return lw as unknown as ListWatch<C>;
  }

  /** The cached primary object for a key. */
  get(key: string): T | undefined {
    return this.primary.get(key);
  }

  /** Every cached primary object. */
  list(): T[] {
    return this.primary.list();
  }

  /** Queues a reconcile pass for a key (e.g. from an outside trigger). */
  enqueue(key: string, afterMs = 0): void {
    this.queue.addAfter(key, afterMs);
  }

  /** Lists and watches everything, then starts the queue and timers. */
  async start(): Promise<void> {
    await Promise.all(this.caches.map((c) => c.start()));
    await this.primary.start();
    this.queue.start();
    this.timers.start();
    const resyncMs = this.opts.resyncMs ?? 600_000;
    this.resync = setInterval(() => { for (const o of this.primary.list()) this.queue.add(objectKey(o)); }, resyncMs);
    this.resync.unref();
  }

  /** Stops watches, timers and the queue; resolves when running handlers end. */
  async stop(): Promise<void> {
    this.stopper.abort();
    clearInterval(this.resync);
    await Promise.all([this.timers.stop(), this.queue.stop()]);
    await Promise.all([this.primary.stop(), ...this.caches.map((c) => c.stop())]);
  }

  /** Resolves when the queue has nothing queued or running (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private get finalizer(): string {
    return this.opts.finalizer ?? `${this.type.group || 'core'}/finalizer`;
  }

  private get blockingDelete(): boolean {
    return this.handlers.some((h) => h.causes.has('delete') && !h.optional);
  }

  private onPrimary(ev: CacheEvent<T>): void {
    const key = objectKey(ev.object);
    const mine = this.written.get(key);
    if (mine && !olderThan(ev.object, mine)) this.written.delete(key);
    if (ev.type === 'DELETED') {
      this.tombstones.set(key, ev.object);
      this.timers.forget(key);
      this.queue.add(key);
      return;
    }
    this.timers.track(key);
    // Our own status writes come back as MODIFIED; reconciling on them would
    // loop. Spec (generation), deletion, finalizers, labels and annotations matter.
    if (ev.type === 'MODIFIED' && ev.old && !metaChanged(ev.old, ev.object)) return;
    this.queue.add(key);
  }

  /** The newest version known: the cache, or our own last write if the cache lags. */
  private freshest(key: string): T | undefined {
    const cached = this.primary.get(key);
    const mine = this.written.get(key);
    if (!cached || !mine) return cached;
    return olderThan(cached, mine) ? mine : cached;
  }

  private async pass(key: string): Promise<void> {
    const object = this.freshest(key);
    if (!object) {
      const last = this.tombstones.get(key);
      this.tombstones.delete(key);
      this.seen.delete(key);
      const handled = this.finalized.delete(key);
      if (last && !handled) await this.runHandlers(key, last, 'delete', true);
      this.queue.forget(key);
      return;
    }
    const deleting = object.metadata.deletionTimestamp !== undefined;
    const finalizers = object.metadata.finalizers ?? [];
    const ours = finalizers.includes(this.finalizer);
    try {
      if (deleting) {
        if (!ours) return;
        const ok = await this.runHandlers(key, object, 'delete', false);
        if (ok) this.finalized.add(key);
        if (ok) await this.setFinalizers(object, finalizers.filter((f) => f !== this.finalizer));
        return;
      }
      if (this.blockingDelete && !ours) {
        // The pass re-runs when the patched object comes back from the watch.
        await this.setFinalizers(object, [...finalizers, this.finalizer]);
        return;
      }
      const cause = this.causeOf(key, object);
      const ok = await this.runHandlers(key, object, cause, false);
      if (ok) this.seen.add(key);
    } catch (err) {
      if (isStatus(err, 409) || isStatus(err, 404)) {
        this.queue.add(key);
        return;
      }
      const delay = this.queue.addRateLimited(key);
      this.opts.log.warn('pass failed', { key, error: errorMessage(err), retryInMs: delay });
    }
  }

  private causeOf(key: string, object: T): Cause {
    const observed = object.status?.observedGeneration;
    const generation = object.metadata.generation;
    if (this.opts.statusSubresource !== false) {
      if (typeof observed !== 'number') return 'create';
      if (generation !== undefined && generation > observed) return 'update';
    }
    return this.seen.has(key) ? 'resync' : 'resume';
  }

  /** Runs the handlers for a cause; true when all succeeded (status written). */
  private async runHandlers(key: string, object: T, cause: Cause, gone: boolean): Promise<boolean> {
    const matching = this.handlers.filter((h) => h.causes.has(cause) && (!gone || h.optional || cause !== 'delete'));
    const ctx = this.context(key, object, cause);
    let requeueAfterMs: number | undefined;
    try {
      for (const h of matching) {
        const result = await h.handler(ctx);
        const after = requeueAfter(result);
        if (after !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, after);
      }
      if (cause !== 'delete' && this.opts.statusSubresource !== false && object.metadata.generation !== undefined) {
        ctx.statusPatch.observedGeneration ??= object.metadata.generation;
      }
      if (!gone) await this.writeStatus(object, ctx.statusPatch);
    } catch (err) {
      return this.handlerFailed(key, object, cause, err, gone);
    }
    this.queue.forget(key);
    if (requeueAfterMs !== undefined) this.queue.addAfter(key, requeueAfterMs);
    return true;
  }

  private handlerFailed(key: string, object: T, cause: Cause, err: unknown, gone: boolean): boolean {
    const msg = errorMessage(err);
    if (err instanceof TemporaryError) {
      this.opts.log.info('handler asked for a retry', { key, cause, retryInMs: err.delayMs, message: msg });
      if (!gone) this.queue.addAfter(key, err.delayMs);
      return false;
    }
    if (err instanceof PermanentError) {
      this.opts.log.error('handler failed permanently', { key, cause, message: msg });
      void this.opts.recorder.record(object, 'Warning', handlerAction(cause), 'HandlerFailed', msg);
      this.queue.forget(key);
      // A delete that can never succeed must not hold the object forever.
      return cause === 'delete';
    }
    if (isStatus(err, 409)) {
      if (!gone) this.queue.add(key);
      return false;
    }
    const delay = gone ? 0 : this.queue.addRateLimited(key);
    this.opts.log.warn('handler failed; retrying', { key, cause, error: msg, retryInMs: delay });
    void this.opts.recorder.record(object, 'Warning', handlerAction(cause), 'HandlerError', msg);
    return false;
  }

  private async tick(key: string, fire: Handler<T>): Promise<void> {
    const object = this.freshest(key);
    if (!object || object.metadata.deletionTimestamp !== undefined) return;
    const ctx = this.context(key, object, 'resync');
    try {
      await fire(ctx);
      await this.writeStatus(object, ctx.statusPatch);
    } catch (err) {
      this.opts.log.warn('timer failed', { key, error: errorMessage(err) });
    }
  }

  private context(key: string, object: T, cause: Cause): HandlerContext<T> {
    const recorder = this.opts.recorder;
    return {
      object, cause, key,
      client: this.opts.client,
      log: this.opts.log,
      retry: this.queue.retries(key),
      signal: this.stopper.signal,
      statusPatch: {},
      event: (type, action, reason, note) => { void recorder.record(object, type, action, reason, note); },
    };
  }

  private async writeStatus(object: T, patch: Record<string, unknown>): Promise<void> {
    const current = object.status ?? {};
    const changed = Object.entries(patch).some(([k, v]) => !deepEqual(current[k], v));
    if (!changed || this.opts.statusSubresource === false) return;
    const { namespace, name = '' } = object.metadata;
    const updated = await this.opts.client.patch<T>(this.type, namespace, name, { status: patch }, { subresource: 'status' });
    this.written.set(objectKey(object), updated);
  }

  private async setFinalizers(object: T, finalizers: string[]): Promise<void> {
    const { namespace, name = '', resourceVersion } = object.metadata;
    // resourceVersion makes the merge patch a compare-and-swap: a list field
    // written from a stale read would drop another controller's finalizer.
    await this.opts.client.patch(this.type, namespace, name, { metadata: { finalizers, resourceVersion } });
  }
}

