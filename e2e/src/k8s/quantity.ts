import { HarnessError } from './errors.js';

const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * Parses a Kubernetes resource quantity ("500m", "2", "128Mi", "1e3", "1.5G")
 * into a number of base units (cores, bytes). Precision is that of a double,
 * ample for the values pods declare.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m?.[1]) throw new HarnessError('ASKR_ERR_K8S_POD_CONFIG', `not a resource quantity: "${q}"`);
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  return base * (suffixes[m[3] ?? ''] ?? 1);
}

/**
 * The value a kubelet exposes for a resource through `resourceFieldRef`:
 * the quantity divided by the divisor, rounded up (so "250m" of CPU with the
 * default divisor 1 reads as "1", and 128Mi of memory with divisor 1Mi as "128").
 */
export function resourceValue(quantity: string | number, divisor: string | number | undefined): string {
  const d = divisor === undefined ? 1 : parseQuantity(divisor);
  if (d <= 0) throw new HarnessError('ASKR_ERR_K8S_POD_CONFIG', `divisor must be positive: "${String(divisor)}"`);
  // Round away float noise before taking the ceiling (0.1 * 3 / 0.1 must stay 3).
  return String(Math.ceil(Number((parseQuantity(quantity) / d).toPrecision(12))));
}
