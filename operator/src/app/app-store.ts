import type { AskrApp } from '../crd/askr-app-schema.js';
import type { ScaleState } from '../scaling/decide-scale.js';

/** What the operator remembers about one app between passes (in memory, per process). */
export interface AppMemory {
  /** The scaler's state: the authoritative replica count and ceiling while this process leads. */
  scale: ScaleState;
  /** The admin token, read once from the app's Secret (it never changes). */
  token: string | undefined;
  /** When the scaler last ran for the app, milliseconds. */
  lastScrapeAt: number;
}

/**
 * Per-app memory shared by the reconcile handler and the scale timer (both
 * run under the app's key lock). Seeded from `status` on first sight, so a new
 * leader continues from the last published replica count and ceiling.
 */
export class AppStore {
  private readonly apps = new Map<string, AppMemory>();

  /** The app's memory, created from its status on first use. */
  for(key: string, app: AskrApp): AppMemory {
    let mem = this.apps.get(key);
    if (!mem) {
      const spec = app.spec;
      const fixed = spec.replicas.count;
      const replicas = fixed ?? clamp(app.status?.replicas ?? spec.replicas.min, spec.replicas.min, spec.replicas.max);
      const ceiling = clamp(app.status?.workersPerPod ?? spec.workers.min, spec.workers.min, spec.workers.max);
      mem = { scale: { replicas, ceiling, history: [] }, token: undefined, lastScrapeAt: -Infinity };
      this.apps.set(key, mem);
    }
    return mem;
  }

  /** Forgets an app (deleted). */
  forget(key: string): void {
    this.apps.delete(key);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
