// The JUnit report: one testsuite per file, PHPUnit's own cases nested when it
// logged them, counts that add up, and XML that a real parser (PHP's DOM) accepts
// whatever a test printed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readJunitLog } from '../src/testrunner/junit-log.js';
import { junitReport } from '../src/testrunner/junit-report.js';
import { fileResult, type ExitFacts } from '../src/testrunner/test-result.js';

/** A log PHPUnit 9.6 wrote for a file with a pass, a failure, a skip and a data provider. */
const PHPUNIT_LOG = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="MixTest" file="/app/tests/MixTest.php" tests="5" assertions="4" errors="0" warnings="0" failures="1" skipped="1" time="0.001707">
    <testcase name="testPass" class="MixTest" classname="MixTest" file="/app/tests/MixTest.php" line="4" assertions="1" time="0.001197"/>
    <testcase name="testFail" class="MixTest" classname="MixTest" file="/app/tests/MixTest.php" line="5" assertions="1" time="0.000337">
      <failure type="PHPUnit\\Framework\\ExpectationFailedException">MixTest::testFail
Failed asserting that 2 is identical to 1.

/app/tests/MixTest.php:5</failure>
    </testcase>
    <testcase name="testSkip" class="MixTest" classname="MixTest" file="/app/tests/MixTest.php" line="6" assertions="0" time="0.000099">
      <skipped/>
    </testcase>
    <testsuite name="MixTest::testRows" tests="2" assertions="2" errors="0" warnings="0" failures="0" skipped="0" time="0.000073">
      <testcase name="testRows with data set &quot;one&quot;" class="MixTest" classname="MixTest" file="/app/tests/MixTest.php" line="8" assertions="1" time="0.000064"/>
      <testcase name="testRows with data set &quot;two&quot;" class="MixTest" classname="MixTest" file="/app/tests/MixTest.php" line="8" assertions="1" time="0.000009"/>
    </testsuite>
  </testsuite>
</testsuites>
`;

function result(display: string, facts: Partial<ExitFacts>, output = '', log: string | null = null) {
  return fileResult({ path: `/app/tests/${display}`, display }, { status: 0, signal: null, ms: 12.5, ...facts }, output, log);
}

/** Parses with PHP's DOM and returns the root's counts and the suite names: a real XML parser, not a regex. */
function parse(xml: string): { tests: number; failures: number; errors: number; skipped: number; suites: string[]; cases: number } {
  const php = `$d = new DOMDocument(); if (!$d->loadXML(stream_get_contents(STDIN))) { exit(3); }
    $r = $d->documentElement; $s = [];
    foreach ($r->childNodes as $n) { if ($n instanceof DOMElement && $n->tagName === 'testsuite') { $s[] = $n->getAttribute('name'); } }
    echo json_encode(['tests' => (int) $r->getAttribute('tests'), 'failures' => (int) $r->getAttribute('failures'),
      'errors' => (int) $r->getAttribute('errors'), 'skipped' => (int) $r->getAttribute('skipped'), 'suites' => $s,
      'cases' => $d->getElementsByTagName('testcase')->length]);`;
  return JSON.parse(execFileSync('php', ['-r', php], { input: xml, encoding: 'utf8' })) as ReturnType<typeof parse>;
}

describe('readJunitLog', () => {
  test('counts come from the top-level suites only (nested data-provider suites are inside them)', () => {
    const log = readJunitLog(PHPUNIT_LOG);
    assert.ok(log);
    assert.deepEqual({ tests: log.tests, failures: log.failures, errors: log.errors, skipped: log.skipped, assertions: log.assertions },
      { tests: 5, failures: 1, errors: 0, skipped: 1, assertions: 4 });
    assert.ok(log.inner.startsWith('<testsuite name="MixTest"'));
    assert.ok(log.inner.endsWith('</testsuite>'));
  });

  test('an empty log, a truncated one and something else', () => {
    assert.deepEqual(readJunitLog('<?xml version="1.0"?>\n<testsuites/>\n'), { tests: 0, failures: 0, errors: 0, skipped: 0, assertions: 0, time: 0, inner: '' });
    assert.equal(readJunitLog(PHPUNIT_LOG.slice(0, 400)), undefined);
    assert.equal(readJunitLog(''), undefined);
    assert.equal(readJunitLog('<html></html>'), undefined);
  });
});

describe('junitReport', () => {
  test('plain scripts: one test case per file, failure for an exit status, error for a signal or timeout', () => {
    const results = [
      result('PassingTest.php', {}, 'ok\n'),
      result('FailingTest.php', { status: 1 }, 'FAIL one plus one\n'),
      result('CrashTest.php', { status: null, signal: 11 }),
      result('SlowTest.php', { status: null, signal: 9, killedFor: 'timeout', timeoutSeconds: 2 }),
    ];
    const xml = junitReport(results, { name: 'askr test', seconds: 1.5, timestamp: new Date(0) });
    assert.deepEqual(parse(xml), { tests: 4, failures: 1, errors: 2, skipped: 0, suites: ['PassingTest.php', 'FailingTest.php', 'CrashTest.php', 'SlowTest.php'], cases: 4 });
    assert.match(xml, /<failure message="exit 1" type="exit">FAIL one plus one\n<\/failure>/);
    assert.match(xml, /<error message="killed by SIGSEGV" type="signal">/);
    assert.match(xml, /<error message="timeout after 2s" type="timeout">/);
    assert.match(xml, /<system-out>ok\n<\/system-out>/);
    assert.match(xml, /timestamp="1970-01-01T00:00:00"/);
  });

  test('PHPUnit files: its suites and cases are nested, its counts used', () => {
    const xml = junitReport([result('MixTest.php', { status: 1 }, 'PHPUnit output', PHPUNIT_LOG), result('OtherTest.php', {})], { name: 'askr test', seconds: 1, timestamp: new Date() });
    const parsed = parse(xml);
    assert.deepEqual(parsed, { tests: 6, failures: 1, errors: 0, skipped: 1, suites: ['MixTest.php', 'OtherTest.php'], cases: 6 });
    assert.match(xml, /testRows with data set &quot;one&quot;/);
  });

  test('a file that failed although its log shows no failure keeps a failing case', () => {
    const clean = PHPUNIT_LOG.replace(/failures="1"/, 'failures="0"');
    const xml = junitReport([result('MixTest.php', { status: null, signal: 6 }, 'abort in teardown', clean)], { name: 'x', seconds: 1, timestamp: new Date() });
    const parsed = parse(xml);
    assert.equal(parsed.tests, 6);
    assert.equal(parsed.errors, 1);
    assert.match(xml, /<error message="killed by SIGABRT" type="signal">abort in teardown<\/error>/);
  });

  test('whatever a test prints stays well-formed: markup, ANSI colours, control bytes, quotes in names', () => {
    const nasty = '\u001b[31mred\u001b[0m <b>&</b> ]]> \u0000\u0001\u0007\u001b bell\t\r\n' + '\uD800 lone surrogate';
    const xml = junitReport([result('Quote"And<Angle>Test.php', { status: 2 }, nasty)], { name: 'a"b', seconds: 0, timestamp: new Date() });
    const parsed = parse(xml);
    assert.deepEqual(parsed.suites, ['Quote"And<Angle>Test.php']);
    assert.equal(parsed.failures, 1);
    assert.ok(!xml.includes('\u001b'));
    assert.match(xml, /red &lt;b&gt;&amp;&lt;\/b&gt; \]\]&gt; /);
  });

  test('no results is still a valid report', () => {
    assert.deepEqual(parse(junitReport([], { name: 'askr test', seconds: 0, timestamp: new Date() })), { tests: 0, failures: 0, errors: 0, skipped: 0, suites: [], cases: 0 });
  });
});
