// The control channel to the PHP test template: every message the template
// sends is checked before it is trusted; commands are one JSON line each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AskrError } from '../src/errors.js';
import { encodeCommand, parseTemplateMessage } from '../src/testrunner/test-protocol.js';

const READY = { type: 'ready', pid: 10, php: '8.2.36', bootMs: 12.5, opcache: true, capture: true, kind: 'phpunit', bootstrap: '/app/tests/bootstrap.php', runner: '/rt/phpunit-runner.php', phpunit: '9.6.7', warmed: 151 };

function rejects(line: string, why: RegExp): void {
  assert.throws(() => parseTemplateMessage(line), (err: unknown) => err instanceof AskrError && err.code === 'ASKR_ERR_PROTOCOL' && why.test(err.message));
}

describe('parseTemplateMessage', () => {
  test('ready, exited (by status, by signal, fork failure) and error', () => {
    assert.deepEqual(parseTemplateMessage(JSON.stringify(READY)), READY);
    assert.deepEqual(parseTemplateMessage('{"type":"exited","id":3,"pid":99,"status":1,"signal":null,"ms":4.2}'),
      { type: 'exited', id: 3, pid: 99, status: 1, signal: null, ms: 4.2 });
    assert.deepEqual(parseTemplateMessage('{"type":"exited","id":3,"pid":99,"status":null,"signal":11,"ms":4}'),
      { type: 'exited', id: 3, pid: 99, status: null, signal: 11, ms: 4 });
    assert.equal(parseTemplateMessage('{"type":"exited","id":4,"pid":0,"status":null,"signal":null,"ms":0,"error":"fork failed"}').type, 'exited');
    assert.deepEqual(parseTemplateMessage('{"type":"started","id":3,"pid":99}'), { type: 'started', id: 3, pid: 99 });
    assert.deepEqual(parseTemplateMessage('{"type":"error","message":"the test bootstrap failed"}'), { type: 'error', message: 'the test bootstrap failed' });
  });

  test('anything else is a protocol error', () => {
    rejects('not json', /not JSON/);
    rejects('[1,2]', /malformed|unknown/);
    rejects('"text"', /not an object/);
    rejects('{"type":"spawned"}', /unknown message/);
    rejects(JSON.stringify({ ...READY, kind: 'pest' }), /malformed ready/);
    rejects(JSON.stringify({ ...READY, capture: 'yes' }), /malformed ready/);
    rejects('{"type":"exited","id":3,"pid":99,"status":1.5,"signal":null,"ms":4}', /malformed exited/);
    rejects('{"type":"exited","id":3,"pid":99,"status":0,"signal":null}', /malformed exited/);
    rejects('{"type":"error"}', /malformed error/);
    rejects('{"type":"started","id":"3","pid":99}', /malformed started/);
  });
});

describe('encodeCommand', () => {
  test('one line of JSON per command', () => {
    assert.equal(encodeCommand({ type: 'run', id: 1, file: '/a/FooTest.php', output: '/t/1.out', junit: null }),
      '{"type":"run","id":1,"file":"/a/FooTest.php","output":"/t/1.out","junit":null}\n');
    assert.equal(encodeCommand({ type: 'kill', id: 2, signal: 9 }), '{"type":"kill","id":2,"signal":9}\n');
    assert.equal(encodeCommand({ type: 'stop' }), '{"type":"stop"}\n');
    assert.ok(!encodeCommand({ type: 'run', id: 1, file: '/a/b\nc.php', output: 'o', junit: null }).slice(0, -1).includes('\n'));
  });
});
