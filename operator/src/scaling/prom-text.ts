/** One sample of the Prometheus text format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const labelPair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

/**
 * Parses the Prometheus text exposition format (version 0.0.4, what
 * prom-client writes): one sample per line, `# HELP`/`# TYPE` comments
 * skipped, label values unescaped, `NaN`/`+Inf`/`-Inf` understood. Lines that
 * do not parse are skipped rather than failing the whole scrape.
 */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = sampleLine.exec(line);
    if (!m) continue;
    const [, name = '', labelText, valueText = ''] = m;
    const labels = labelText === undefined ? {} : parseLabels(labelText);
    if (labels === undefined) continue;
    const value = parseValue(valueText);
    if (value === undefined) continue;
    out.push({ name, labels, value });
  }
  return out;
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  labelPair.lastIndex = 0;
  while (labelPair.lastIndex < text.length) {
    const start = labelPair.lastIndex;
    const m = labelPair.exec(text);
    if (!m) return text.slice(start).trim() === '' ? labels : undefined;
    const [, key = '', value = ''] = m;
    labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const v = Number(text);
  return Number.isNaN(v) ? undefined : v;
}

/** The sum of every sample of a metric (over all label sets); undefined when absent. */
export function metricValue(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  let found = false;
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => s.labels[k] === v)) continue;
    found = true;
    total += s.value;
  }
  return found ? total : undefined;
}
