// How a run reads: one line per file (✓/✗ and why), the captured output as one
// indented block, and the summary line; plus how an exit is classified.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PRINTED_OUTPUT, TestReport } from '../src/testrunner/test-report.js';
import { fileResult, signalName, type ExitFacts, type FileResult } from '../src/testrunner/test-result.js';

function result(display: string, facts: Partial<ExitFacts>, output = ''): FileResult {
  return fileResult({ path: `/app/tests/${display}`, display }, { status: 0, signal: null, ms: 5, ...facts }, output, null);
}

describe('fileResult', () => {
  test('exit 0 passes; any other status fails with it', () => {
    assert.equal(result('A', {}).outcome, 'passed');
    const failed = result('B', { status: 255 });
    assert.deepEqual([failed.outcome, failed.detail], ['failed', 'exit 255']);
  });

  test('a signal is named', () => {
    const r = result('C', { status: null, signal: 11 });
    assert.deepEqual([r.outcome, r.signal, r.detail], ['signal', 'SIGSEGV', 'killed by SIGSEGV']);
    assert.equal(signalName(9), 'SIGKILL');
    assert.equal(signalName(200), 'signal 200');
  });

  test('what the CLI killed says why; a file that exited 0 meanwhile still passed', () => {
    assert.equal(result('D', { status: null, signal: 9, killedFor: 'timeout', timeoutSeconds: 30 }).detail, 'timeout after 30s');
    assert.equal(result('E', { status: null, signal: 15, killedFor: 'interrupted' }).outcome, 'interrupted');
    assert.equal(result('F', { status: 0, killedFor: 'timeout' }).outcome, 'passed');
    assert.deepEqual([result('G', { status: null, error: 'fork failed' }).outcome, result('G', { status: null, error: 'fork failed' }).detail], ['error', 'fork failed']);
  });
});

describe('TestReport', () => {
  test('result lines', () => {
    assert.equal(TestReport.resultLine(result('FooTest.php', {}), false), '  ✓ FooTest.php\n');
    assert.equal(TestReport.resultLine(result('BarTest.php', { status: 1 }), false), '  ✗ BarTest.php (exit 1)\n');
    assert.equal(TestReport.resultLine(result('Unit/CrashTest.php', { status: null, signal: 6 }), false), '  ✗ Unit/CrashTest.php (killed by SIGABRT)\n');
    assert.equal(TestReport.resultLine(result('FooTest.php', {}), true), '  \u001b[32m✓\u001b[0m FooTest.php\n');
  });

  test('the output block is indented as one piece, trailing blank lines dropped', () => {
    assert.equal(TestReport.outputBlock('line 1\n\nline 3\n\n\n', false), '    │ line 1\n    │\n    │ line 3\n');
    assert.equal(TestReport.outputBlock(' \n\n', false), '');
  });

  test('huge output keeps its end, where failures are reported', () => {
    const big = 'x'.repeat(MAX_PRINTED_OUTPUT) + '\nthe failure\n';
    const block = TestReport.outputBlock(big, false);
    assert.match(block, /^ {4}… \d+ bytes cut …\n/);
    assert.ok(block.endsWith('    │ the failure\n'));
    assert.ok(block.length < MAX_PRINTED_OUTPUT + 1000);
  });

  test('fileBlock shows output for failures by default, for all or for none on request', () => {
    const ok = result('OkTest.php', {}, 'chatty\n');
    const bad = result('BadTest.php', { status: 1 }, 'why\n');
    assert.equal(TestReport.fileBlock(ok, 'failed', false), '  ✓ OkTest.php\n');
    assert.equal(TestReport.fileBlock(bad, 'failed', false), '  ✗ BadTest.php (exit 1)\n    │ why\n');
    assert.equal(TestReport.fileBlock(ok, 'all', false), '  ✓ OkTest.php\n    │ chatty\n');
    assert.equal(TestReport.fileBlock(bad, 'none', false), '  ✗ BadTest.php (exit 1)\n');
  });

  test('summary line', () => {
    const results = [result('A', {}), result('B', {}), result('C', { status: 1 })];
    const counts = TestReport.counts(results, 3);
    assert.deepEqual(counts, { files: 3, passed: 2, failed: 1, notRun: 0 });
    assert.equal(TestReport.summaryLine(counts, 1.234, false), '3 file(s): 2 passed, 1 failed in 1.23s\n');
    assert.equal(TestReport.summaryLine(TestReport.counts(results.slice(0, 1), 3), 0.5, true), '3 file(s): 1 passed, 0 failed, 2 not run in 0.50s (interrupted)\n');
  });
});
