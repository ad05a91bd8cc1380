import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, mergePatch } from './kube-api.js';
import type { KubeApi } from './kube-api.js';
import type { Pod, PodStatus } from './pod-types.js';

const retryMs = 1000;
/** Milliseconds `flushed()` waits for a write in flight, at most. */
const flushBoundMs = 10_000;

/**
 * Writes one pod's status and Events to the API server, as a kubelet's status
 * manager does: writes are serialised and coalesced (a burst of changes makes
 * one PATCH of the latest status), unchanged statuses are not sent, failed
 * writes are retried (the API server may be restarting), and a 404 means the
 * pod is gone and ends all writing.
 */
export class PodReporter {
  private dirty = false;
  private writing = false;
  private lastWritten = '';
  private isGone = false;

  constructor(
    private readonly api: KubeApi,
    private readonly nodeName: string,
    /** The latest pod object; the reporter replaces it with what each PATCH returns. */
    private readonly pod: { current: Pod },
    private readonly compute: () => PodStatus,
  ) {}

  /** True once the pod is known to be gone (or `stop()` was called). */
  get gone(): boolean {
    return this.isGone;
  }

  /** Stops all writing. */
  stop(): void {
    this.isGone = true;
  }

  /** Something changed: write the status soon. */
  schedule(): void {
    if (this.isGone) return;
    this.dirty = true;
    if (!this.writing) void this.flush();
  }

  /** Resolves once no write is pending (bounded by 10 s). */
  async flushed(): Promise<void> {
    const deadline = Date.now() + flushBoundMs;
    while ((this.writing || this.dirty) && !this.isGone && Date.now() < deadline) await sleep(20);
  }

  /** Posts a core/v1 Event about the pod as a kubelet would (best effort). */
  event(type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
    if (this.isGone) return;
    const pod = this.pod.current;
    const ns = pod.metadata.namespace;
    const t = new Date().toISOString();
    void this.api
      .request('POST', `/api/v1/namespaces/${ns}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${pod.metadata.name}.`, namespace: ns },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid, ...(container === undefined ? {} : { fieldPath: `spec.containers{${container}}` }) },
          type,
          reason,
          message,
          source: { component: 'kubelet', host: this.nodeName },
          reportingComponent: 'kubelet',
          reportingInstance: this.nodeName,
          firstTimestamp: t,
          lastTimestamp: t,
          count: 1,
        },
      })
      .catch(() => undefined);
  }

  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.dirty && !this.isGone) {
        this.dirty = false;
        const status = this.compute();
        // Transition times alone do not make a new status.
        const text = JSON.stringify({ ...status, conditions: status.conditions?.map((c) => ({ ...c, lastTransitionTime: undefined })) });
        if (text === this.lastWritten) continue;
        const { namespace, name } = this.pod.current.metadata;
        try {
          this.pod.current = await this.api.request<Pod>('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}/status`, { body: { status }, contentType: mergePatch });
          this.lastWritten = text;
        } catch (err) {
          if (err instanceof KubeApiError && err.status === 404) {
            this.isGone = true;
            break;
          }
          this.dirty = true;
          await sleep(retryMs);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
