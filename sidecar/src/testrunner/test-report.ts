import type { FileResult } from './test-result.js';
import type { ShowOutput } from './test-config.js';

/** Longest captured output printed for one file; the start is cut, the end (where failures are) kept. */
export const MAX_PRINTED_OUTPUT = 256 * 1024;

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

export interface Counts {
  files: number;
  passed: number;
  failed: number;
  /** Files never started (Ctrl-C, or the template died). */
  notRun: number;
}

/**
 * The human report of `askr test` (pure: strings in, strings out). Each file's
 * line and its output block are returned as one string, written in one go, so
 * files finishing together never interleave.
 */
export const TestReport = {
  /** `  ✓ FooTest.php` or `  ✗ BarTest.php (exit 1)`. */
  resultLine(r: FileResult, color: boolean): string {
    const ok = r.outcome === 'passed';
    const mark = ok ? '✓' : '✗';
    const paint = (s: string, c: string): string => (color ? `${c}${s}${RESET}` : s);
    return `  ${paint(mark, ok ? GREEN : RED)} ${r.file.display}${ok ? '' : ` (${r.detail})`}\n`;
  },

  /** The captured output, indented under its line; '' when empty. */
  outputBlock(output: string, color: boolean): string {
    let text = output.replace(/\s+$/, '');
    if (text === '') return '';
    let cut = '';
    if (Buffer.byteLength(text) > MAX_PRINTED_OUTPUT) {
      const tail = Buffer.from(text).subarray(-MAX_PRINTED_OUTPUT).toString('utf8');
      cut = `    … ${Buffer.byteLength(text) - Buffer.byteLength(tail)} bytes cut …\n`;
      text = tail;
    }
    const bar = color ? `${DIM}│${RESET}` : '│';
    return cut + text.split('\n').map((l) => (l === '' ? `    ${bar}` : `    ${bar} ${l}`)).join('\n') + '\n';
  },

  /** Line and, when `show` asks for it, output block for one file. */
  fileBlock(r: FileResult, show: ShowOutput, color: boolean): string {
    const withOutput = show === 'all' || (show === 'failed' && r.outcome !== 'passed');
    return TestReport.resultLine(r, color) + (withOutput ? TestReport.outputBlock(r.output, color) : '');
  },

  counts(results: readonly FileResult[], total: number): Counts {
    const passed = results.filter((r) => r.outcome === 'passed').length;
    return { files: total, passed, failed: results.length - passed, notRun: total - results.length };
  },

  /** `3 file(s): 2 passed, 1 failed in 1.23s`. */
  summaryLine(c: Counts, seconds: number, interrupted: boolean): string {
    const notRun = c.notRun > 0 ? `, ${c.notRun} not run` : '';
    return `${c.files} file(s): ${c.passed} passed, ${c.failed} failed${notRun} in ${seconds.toFixed(2)}s${interrupted ? ' (interrupted)' : ''}\n`;
  },
};
