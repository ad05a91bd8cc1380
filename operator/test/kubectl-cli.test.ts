import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCliArgs } from '../src/kubectl/cli-args.js';
import { formatDuration, formatTable } from '../src/kubectl/format-table.js';
import { formatReplay } from '../src/kubectl/replay-command.js';
import { runPlugin } from '../src/kubectl/run-plugin.js';

test('flags go anywhere, kubectl-style, with defaults', () => {
  const a = parseCliArgs(['-n', 'shop', 'replay', 'web', 'abc', '--context', 'prod', '--via', 'port-forward'], {});
  assert.equal(a.command, 'replay');
  assert.deepEqual(a.args, ['web', 'abc']);
  assert.equal(a.namespace, 'shop');
  assert.equal(a.context, 'prod');
  assert.equal(a.via, 'port-forward');
  assert.equal(a.adminPort, undefined, 'the port pods declare is used unless overridden');
  assert.equal(parseCliArgs(['status', 'web', '--admin-port', '9999'], {}).adminPort, 9999);
  assert.equal(a.askrBin, 'askr');
  assert.equal(parseCliArgs(['status', 'web'], { ASKR_BIN: '/opt/askr' }).askrBin, '/opt/askr');
  assert.equal(parseCliArgs(['status', 'web'], {}).via, 'proxy');
});

test('usage errors name what is wrong', () => {
  assert.throws(() => parseCliArgs([], {}), { code: 'ASKR_ERR_USAGE', message: /command is required/ });
  assert.throws(() => parseCliArgs(['frobnicate'], {}), /unknown command "frobnicate"/);
  assert.throws(() => parseCliArgs(['replay', 'web'], {}), /replay needs APP and ERROR_ID/);
  assert.throws(() => parseCliArgs(['forget-tag', 'web'], {}), /at least one TAG/);
  assert.throws(() => parseCliArgs(['status', 'web', '--via', 'ssh'], {}), /--via/);
  assert.throws(() => parseCliArgs(['status', 'web', '--admin-port', '0'], {}), /--admin-port/);
  assert.throws(() => parseCliArgs(['replay', 'web', 'x', '--root', '.'], {}), /--local/);
});

test('runPlugin prints help and exits 2 on bad usage without throwing', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  assert.equal(await runPlugin(['--help'], {}, io), 0);
  assert.match(out.join(''), /kubectl askr replay APP ERROR_ID/);
  assert.equal(await runPlugin(['nope'], {}, io), 2);
  assert.match(err.join(''), /unknown command "nope"; see --help \[ASKR_ERR_USAGE\]/);
});

test('replay output matches askr replay', () => {
  const text = formatReplay('1783232551-89972-0', { method: 'POST', uri: '/boom?debug=1' }, {
    status: 500, headers: [['X-Boom', 'yes']], body: 'boom uri=/boom?debug=1 body=payload=42',
  });
  assert.equal(text, '↻ replaying 1783232551-89972-0 → POST /boom?debug=1\nHTTP 500\nX-Boom: yes\n\nboom uri=/boom?debug=1 body=payload=42\n');
});

test('tables and durations', () => {
  assert.equal(formatTable(['A', 'BB'], [['xyz', '1'], ['q', '22']]), 'A     BB\nxyz   1\nq     22\n');
  assert.equal(formatDuration(11_000), '3h3m');
  assert.equal(formatDuration(65), '1m5s');
  assert.equal(formatDuration(90_000), '1d1h');
});
