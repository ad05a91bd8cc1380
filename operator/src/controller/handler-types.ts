import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { EventType } from './event-recorder.js';
import type { Logger } from './logger.js';

/**
 * Why a handler runs, derived from the object's state on every pass (never
 * from the watch event): `create` — never handled (no `status.observedGeneration`);
 * `update` — `metadata.generation` moved past `status.observedGeneration`;
 * `resume` — first pass since this operator started; `resync` — nothing new in
 * the spec (a child changed, a requeue or the periodic resync); `delete` —
 * the object is being deleted or is gone.
 */
export type Cause = 'create' | 'update' | 'resume' | 'resync' | 'delete';

/** An object with an optional status, the primary resource of a controller. */
export interface Resource extends KubeObject {
  status?: Record<string, unknown>;
}

/** What a handler is given. */
export interface HandlerContext<T extends Resource> {
  /** The newest version from the cache (do not modify; patch instead). */
  readonly object: T;
  readonly cause: Cause;
  /** `namespace/name`. */
  readonly key: string;
  readonly client: KubeClient;
  readonly log: Logger;
  /** Failures of this key since its last success. */
  readonly retry: number;
  /** Aborted when the operator shuts down. */
  readonly signal: AbortSignal;
  /**
   * Fields to merge into `status` after the handlers of this pass succeed (one
   * merge patch on the status subresource, skipped when nothing changes).
   */
  readonly statusPatch: Record<string, unknown>;
  /** Posts a Kubernetes Event about the object. */
  event(type: EventType, action: string, reason: string, note: string): void;
}

/** A handler may return this to run again after a delay; anything else is ignored. */
export interface HandlerResult {
  requeueAfterMs?: number;
}

/** A cause or timer handler; may return (or resolve to) a `HandlerResult`. */
export type Handler<T extends Resource> = (ctx: HandlerContext<T>) => unknown;
