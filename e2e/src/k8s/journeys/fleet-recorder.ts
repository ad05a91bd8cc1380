import type { AskrApp } from '../../../../operator/src/crd/askr-app-schema.js';
import type { KubeClient } from '../../../../operator/src/kube/kube-client.js';
import type { KubeObject } from '../../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../../operator/src/kube/resource-type.js';
import { askrGauges } from '../../../../operator/src/scaling/askr-gauges.js';
import type { AskrGauges } from '../../../../operator/src/scaling/askr-gauges.js';
import { parsePromText } from '../../../../operator/src/scaling/prom-text.js';
import { HarnessError } from '../errors.js';
import { waitFor } from '../wait-for.js';

/** One pod's scaler gauges at one sample, read from its `/metrics`. */
export interface PodGauges extends AskrGauges {
  pod: string;
}

/** What the fleet looked like at one moment. */
export interface FleetSample {
  /** Milliseconds since the recorder started. */
  at: number;
  /** `status.replicas` and `status.workersPerPod` of the AskrApp. */
  replicas: number | undefined;
  workersPerPod: number | undefined;
  /** Ready, not terminating pods that answered, by name. */
  pods: PodGauges[];
}

/** An Event the operator posted about the app. */
export interface AppEvent {
  time: string;
  type: string;
  reason: string;
  note: string;
}

interface PodObject extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

interface EventObject extends KubeObject {
  eventTime?: string;
  type: string;
  reason: string;
  note: string;
  regarding: { kind?: string; name?: string };
  series?: { lastObservedTime?: string };
}

/**
 * Samples an app as a user watching it would: its status, and every ready
 * pod's scaler gauges scraped through the API server's pod proxy (admin port
 * 9180, token in `X-Askr-Token`), every `intervalMs` until `stop()`. Samples
 * are kept in order for assertions about what happened first.
 */
export class FleetRecorder {
  readonly samples: FleetSample[] = [];
  private readonly started = Date.now();
  private readonly loop: Promise<void>;
  private stopped = false;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly app: string,
    private readonly token: string,
    private readonly intervalMs: number,
  ) {
    this.loop = this.run();
  }

  /** Starts sampling the app `namespace/app` every `intervalMs` milliseconds. */
  static start(client: KubeClient, namespace: string, app: string, token: string, intervalMs = 500): FleetRecorder {
    return new FleetRecorder(client, namespace, app, token, intervalMs);
  }

  /** Waits (bounded) until some sample, taken before or after the call, satisfies `ok`; returns the first that does. */
  async waitFor(what: string, ok: (s: FleetSample) => boolean, timeoutMs: number): Promise<FleetSample> {
    return waitFor(what, { timeoutMs, intervalMs: 100 }, () => this.samples.find(ok)).catch((err: unknown) => {
      throw new HarnessError('ASKR_ERR_K8S_TIMEOUT', `${(err as Error).message}; last sample: ${JSON.stringify(this.samples.at(-1))}`, { cause: err });
    });
  }

  /** The operator's Events about the app (not its children's), oldest first. */
  async events(): Promise<AppEvent[]> {
    const list = await this.client.list<EventObject>(resourceTypes.events, { namespace: this.namespace });
    return list.items
      .filter((e) => e.regarding.kind === 'AskrApp' && e.regarding.name === this.app)
      .map((e) => ({ time: e.eventTime ?? '', type: e.type, reason: e.reason, note: e.note }))
      .sort((a, b) => a.time.localeCompare(b.time));
  }

  /** Stops sampling; resolves once the last sample is taken. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.samples.push(await this.sample());
      } catch {
        // A failed sample (the API server busy) is skipped; the next one is taken on time.
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  private async sample(): Promise<FleetSample> {
    const at = Date.now() - this.started;
    const app = await this.client.get<AskrApp>(resourceTypes.askrApps, this.namespace, this.app);
    const pods = await this.client.list<PodObject>(resourceTypes.pods, { namespace: this.namespace, labelSelector: `askr.dev/app=${this.app}` });
    const ready = pods.items.filter((p) => p.metadata.deletionTimestamp === undefined
      && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true);
    const gauges = await Promise.all(ready.map(async (p): Promise<PodGauges | undefined> => {
      const name = p.metadata.name ?? '';
      const res = await this.client.raw(`/api/v1/namespaces/${this.namespace}/pods/${name}:9180/proxy/metrics`, {
        headers: { 'X-Askr-Token': this.token, Accept: 'text/plain' }, timeoutMs: 3000,
      }).catch(() => undefined);
      if (res?.status !== 200) return undefined;
      return { pod: name, ...askrGauges(parsePromText(res.body.toString('utf8'))) };
    }));
    return {
      at,
      replicas: app?.status?.replicas,
      workersPerPod: app?.status?.workersPerPod,
      pods: gauges.filter((g) => g !== undefined).sort((a, b) => a.pod.localeCompare(b.pod)),
    };
  }
}
