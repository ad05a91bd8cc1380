const suffixes: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * The value of a Kubernetes quantity (`512Mi` → 536870912, `250m` → 0.25,
 * `1e3` → 1000, a bare number as is). Returns undefined for anything that is
 * not a quantity.
 */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([KMGTPE]i|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return undefined;
  const [, num = '', exp, suffix = ''] = m;
  const factor = suffixes[suffix];
  if (factor === undefined) return undefined;
  return Number(num + (exp ?? '')) * factor;
}
