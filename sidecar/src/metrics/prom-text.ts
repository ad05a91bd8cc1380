/**
 * Sums the samples of one metric in Prometheus text, grouped by the value of
 * one label: `sumByLabel(text, 'askr_cache_requests_total', 'result')` →
 * `{hit: 12, miss: 3, …}`. Enough for status pages built from /metrics.
 */
export function sumByLabel(text: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const prefix = `${metric}{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const close = line.indexOf('}');
    const labels = line.slice(prefix.length, close);
    const m = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels);
    const value = Number(line.slice(close + 1).trim());
    if (!m || !Number.isFinite(value)) continue;
    const key = m[1] ?? '';
    out[key] = (out[key] ?? 0) + value;
  }
  return out;
}
