import { readJunitLog } from './junit-log.js';
import type { FileResult } from './test-result.js';

/** Longest captured output kept in the report per file (the end is kept). */
const MAX_OUTPUT_CHARS = 64 * 1024;
/** The end of the output repeated inside <failure>/<error>, where CI tools show it first. */
const MAX_PROBLEM_CHARS = 4 * 1024;

/** Characters XML 1.0 forbids (C0 controls except tab, LF, CR; lone surrogates; U+FFFE/FFFF). */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

function text(s: string): string {
  return s.replace(ANSI, '').replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(6);
}

function tail(s: string, max = MAX_OUTPUT_CHARS): string {
  return s.length > max ? s.slice(-max) : s;
}

interface Totals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** The report element for a file that ended other than by passing. */
function problem(r: FileResult): string {
  const element = r.outcome === 'failed' ? 'failure' : 'error';
  const type = r.outcome === 'failed' ? 'exit' : r.outcome;
  return `<${element} message="${attr(r.detail)}" type="${type}">${text(tail(r.output, MAX_PROBLEM_CHARS))}</${element}>`;
}

function fileSuite(r: FileResult): { xml: string; totals: Totals } {
  const name = attr(r.file.display);
  const file = attr(r.file.path);
  const out = r.output === '' ? '' : `\n    <system-out>${text(tail(r.output))}</system-out>`;
  const log = r.junitLog === null ? undefined : readJunitLog(r.junitLog);
  if (log !== undefined) {
    const totals: Totals = { tests: log.tests, failures: log.failures, errors: log.errors, skipped: log.skipped };
    let extra = '';
    // The file failed but its log shows no failing test (a crash in teardown, exit()
    // from a test, a warning PHPUnit counts as failure): keep the failure visible.
    if (r.outcome !== 'passed' && log.failures === 0 && log.errors === 0) {
      extra = `\n    <testcase name="${name}" classname="askr.test" file="${file}" time="0">${problem(r)}</testcase>`;
      totals.tests++;
      if (r.outcome === 'failed') totals.failures++;
      else totals.errors++;
    }
    const inner = log.inner === '' ? '' : `\n    ${log.inner.replace(/\n/g, '\n  ')}`;
    return {
      totals,
      xml: `  <testsuite name="${name}" file="${file}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(r.ms)}">${inner}${extra}${out}\n  </testsuite>`,
    };
  }
  const failed = r.outcome !== 'passed';
  const totals: Totals = { tests: 1, failures: r.outcome === 'failed' ? 1 : 0, errors: failed && r.outcome !== 'failed' ? 1 : 0, skipped: 0 };
  const classname = attr(r.file.display.replace(/\.php$/, '').replace(/[/\\]/g, '.'));
  const body = failed ? problem(r) : '';
  return {
    totals,
    xml: `  <testsuite name="${name}" file="${file}" tests="1" failures="${totals.failures}" errors="${totals.errors}" skipped="0" time="${seconds(r.ms)}">\n`
      + `    <testcase name="${name}" classname="${classname}" file="${file}" time="${seconds(r.ms)}">${body}</testcase>${out}\n  </testsuite>`,
  };
}

/**
 * The JUnit XML report of a run (pure): one `<testsuite>` per test file, in
 * the order given, holding the runner's own suites and test cases when it wrote
 * a JUnit log (PHPUnit does), else one `<testcase>` for the file. A file that
 * did not pass is a `<failure>` when it exited non-zero and an `<error>` when
 * it crashed, timed out or was interrupted. Times are seconds.
 */
export function junitReport(results: readonly FileResult[], options: { name: string; seconds: number; timestamp: Date }): string {
  const suites: string[] = [];
  const sum: Totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const r of results) {
    const { xml, totals } = fileSuite(r);
    suites.push(xml);
    sum.tests += totals.tests;
    sum.failures += totals.failures;
    sum.errors += totals.errors;
    sum.skipped += totals.skipped;
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<testsuites name="${attr(options.name)}" tests="${sum.tests}" failures="${sum.failures}" errors="${sum.errors}" skipped="${sum.skipped}" time="${options.seconds.toFixed(6)}" timestamp="${options.timestamp.toISOString().replace(/\.\d+Z$/, '')}">\n`
    + suites.join('\n') + (suites.length > 0 ? '\n' : '')
    + '</testsuites>\n';
}
