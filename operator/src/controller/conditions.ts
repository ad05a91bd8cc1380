/** A status condition in `metav1.Condition` form. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** The `metadata.generation` the condition was computed from. */
  observedGeneration?: number;
  /** RFC 3339; changes only when `status` flips. */
  lastTransitionTime: string;
  /** CamelCase, machine-readable. */
  reason: string;
  message: string;
}

/** A condition to set: `lastTransitionTime` is filled in by `setCondition`. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns `conditions` with `update` merged in. `lastTransitionTime` keeps its
 * old value unless the status flips (a reason or message change is not a
 * transition), so `kubectl wait` and alerting see real transitions only.
 * The input array is not modified; order is kept, new types are appended.
 */
export function setCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, now: Date): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === update.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = prev && prev.status === update.status ? prev.lastTransitionTime : rfc3339(now);
  const next: Condition = { ...update, lastTransitionTime };
  if (prev) list[i] = next;
  else list.push(next);
  return list;
}

/** The condition of a type, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** RFC 3339 at second precision, as Kubernetes writes `metav1.Time`. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** RFC 3339 with microseconds, as Kubernetes wants `metav1.MicroTime`. */
export function microTime(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}
