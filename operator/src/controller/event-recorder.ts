import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject } from '../kube/kube-object.js';
import { resourceTypes } from '../kube/resource-type.js';
import { microTime } from './conditions.js';
import type { Logger } from './logger.js';

/** Event type as Kubernetes knows it. */
export type EventType = 'Normal' | 'Warning';

/** Settings of an `EventRecorder`. */
export interface EventRecorderOptions {
  client: KubeClient;
  log: Logger;
  /** `reportingController`, e.g. `askr.dev/operator`. */
  controller: string;
  /** `reportingInstance`: the pod name of this operator replica. */
  instance: string;
  /** Repeats of the same event within this window update one series. Default 600 000 ms. */
  seriesWindowMs?: number;
  now?: () => Date;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  lastAt: number;
}

/**
 * Posts `events.k8s.io/v1` Events about objects (what `kubectl describe` and
 * `kubectl events` show). An event repeated with the same reason and note is
 * folded into one Event whose `series.count` grows, as client-go's
 * EventBroadcaster does, so a flapping cause does not flood etcd. Recording
 * never throws: an Event is a courtesy, not part of reconciliation.
 */
export class EventRecorder {
  private readonly opts: EventRecorderOptions;
  private readonly series = new Map<string, Series>();

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
  }

  /**
   * Records an event about `regarding`.
   * @param action what the operator did or failed to do (`Scale`, `Reconcile`)
   * @param reason CamelCase cause (`ScaledReplicas`, `ReconcileFailed`)
   * @param note human-readable text, cut to 1 kB
   */
  async record(regarding: KubeObject, type: EventType, action: string, reason: string, note: string): Promise<void> {
    const now = (this.opts.now ?? (() => new Date()))();
    const namespace = regarding.metadata.namespace ?? 'default';
    const text = note.length > 1024 ? `${note.slice(0, 1021)}...` : note;
    const key = [regarding.metadata.uid, type, action, reason, text].join('\0');
    const window = this.opts.seriesWindowMs ?? 600_000;
    this.gc(now.getTime(), window);
    const prev = this.series.get(key);
    try {
      if (prev && now.getTime() - prev.lastAt < window) {
        prev.count += 1;
        prev.lastAt = now.getTime();
        await this.opts.client.patch(resourceTypes.events, prev.namespace, prev.name, {
          series: { count: prev.count, lastObservedTime: microTime(now) },
        });
        return;
      }
      const name = `${regarding.metadata.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
      await this.opts.client.create(resourceTypes.events, {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: this.opts.controller,
        reportingInstance: this.opts.instance,
        action,
        reason,
        note: text,
        type,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata.name,
          namespace: regarding.metadata.namespace,
          uid: regarding.metadata.uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
      } as KubeObject);
      this.series.set(key, { name, namespace, count: 1, lastAt: now.getTime() });
    } catch (err) {
      this.series.delete(key);
      this.opts.log.warn('event not recorded', { reason, error: errorMessage(err) });
    }
  }

  private gc(now: number, window: number): void {
    if (this.series.size < 512) return;
    for (const [k, s] of this.series) if (now - s.lastAt >= window) this.series.delete(k);
  }
}
