/**
 * A runner's own JUnit log of one test file (PHPUnit's `--log-junit`), reduced
 * to what `askr test` nests into its report: the counts of the top testsuite and
 * the XML inside the root `<testsuites>` element, kept verbatim (PHPUnit writes
 * it with DOMDocument, so it is well-formed and escaped).
 */
export interface JunitLog {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  assertions: number;
  /** Seconds. */
  time: number;
  /** The `<testsuite>` elements, as XML. */
  inner: string;
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)) out.set(m[1] ?? '', m[2] ?? '');
  return out;
}

function count(attrs: Map<string, string>, name: string): number {
  const n = Number(attrs.get(name) ?? '0');
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/**
 * Reads a JUnit log; undefined when it is not one (empty, truncated by a crash,
 * or another format), in which case the file is reported as one test case.
 */
export function readJunitLog(xml: string): JunitLog | undefined {
  const body = xml.replace(/^\uFEFF?\s*<\?xml[^>]*\?>\s*/, '').trim();
  if (/^<testsuites\s*\/>$/.test(body)) return { tests: 0, failures: 0, errors: 0, skipped: 0, assertions: 0, time: 0, inner: '' };
  const m = /^<testsuites(?:\s[^>]*)?>([\s\S]*)<\/testsuites>$/.exec(body);
  if (!m) return undefined;
  const inner = (m[1] ?? '').trim();
  if (inner !== '' && !inner.startsWith('<testsuite')) return undefined;
  // Sums over the top-level suites: nested suites are already counted by their parent.
  const log: JunitLog = { tests: 0, failures: 0, errors: 0, skipped: 0, assertions: 0, time: 0, inner };
  let depth = 0;
  for (const tag of inner.matchAll(/<(\/?)testsuite(\s[^>]*?)?(\/?)>/g)) {
    const closing = tag[1] === '/';
    const selfClosing = tag[3] === '/';
    if (closing) {
      depth--;
      continue;
    }
    if (depth === 0) {
      const a = attributes(tag[2] ?? '');
      log.tests += count(a, 'tests');
      log.failures += count(a, 'failures');
      log.errors += count(a, 'errors');
      log.skipped += count(a, 'skipped');
      log.assertions += count(a, 'assertions');
      log.time += count(a, 'time');
    }
    if (!selfClosing) depth++;
  }
  return depth === 0 ? log : undefined;
}
