import type { KubeObject } from '../kube/kube-object.js';
import { deepEqual } from './deep-equal.js';
import type { Cause, HandlerResult } from './handler-types.js';

/**
 * Whether a change to an object is one a controller reacts to: the spec
 * (generation), deletion, finalizers, labels or annotations. Status-only
 * changes are not, or a controller's own status writes would loop.
 */
export function metaChanged(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata;
  const y = b.metadata;
  return x.generation !== y.generation
    || x.deletionTimestamp !== y.deletionTimestamp
    || !deepEqual(x.finalizers, y.finalizers)
    || !deepEqual(x.labels, y.labels)
    || !deepEqual(x.annotations, y.annotations);
}

/**
 * Whether `a` is an older version than `b`. resourceVersions are opaque to
 * clients in general, but are etcd revisions (decimal integers) in practice;
 * when they are not, nothing is assumed older.
 */
export function olderThan(a: KubeObject, b: KubeObject): boolean {
  const x = a.metadata.resourceVersion ?? '';
  const y = b.metadata.resourceVersion ?? '';
  if (!/^\d+$/.test(x) || !/^\d+$/.test(y)) return false;
  return BigInt(x) < BigInt(y);
}

/** The `requeueAfterMs` of a handler's return value, if it has one. */
export function requeueAfter(result: unknown): number | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const ms = (result as HandlerResult).requeueAfterMs;
  return typeof ms === 'number' ? ms : undefined;
}

/** The Event action for a failed pass of a cause. */
export function handlerAction(cause: Cause): string {
  return cause === 'delete' ? 'Finalize' : 'Reconcile';
}
