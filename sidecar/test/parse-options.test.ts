import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, renderHelp } from '../src/config/parse-options.js';
import type { OptionSpec } from '../src/config/option.js';

const table = [
  { key: 'name', flag: 'name', kind: 'string', group: 'G', help: 'a name' },
  { key: 'count', flag: 'count', kind: 'int', default: '2', min: 1, max: 10, group: 'G', help: 'how many' },
  { key: 'on', flag: 'on', kind: 'bool', default: 'false', group: 'G', help: 'switch' },
  { key: 'size', flag: 'size', kind: 'bytes', default: '1M', group: 'G', help: 'bytes' },
  { key: 'wait', flag: 'wait', kind: 'seconds', default: '30', group: 'G', help: 'seconds' },
  { key: 'list', flag: 'list', kind: 'list', group: 'G', help: 'items' },
  { key: 'listen', flag: 'listen', kind: 'hostport', default: '127.0.0.1:8080', group: 'G', help: 'address' },
] as const satisfies readonly OptionSpec[];

describe('parseOptions', () => {
  it('applies defaults, then the environment, then flags', () => {
    const a = parseOptions(table, [], {});
    assert.equal(a.config.count, 2);
    assert.equal(a.config.size, 1024 * 1024);
    assert.equal(a.config.name, undefined);
    const b = parseOptions(table, ['--count', '5'], { ASKR_COUNT: '3', ASKR_NAME: 'env' });
    assert.equal(b.config.count, 5);
    assert.equal(b.config.name, 'env');
    assert.deepEqual([...b.explicit].sort(), ['count', 'name']);
  });

  it('understands --flag=value, --flag value, bare booleans and --no-flag', () => {
    assert.equal(parseOptions(table, ['--name=x'], {}).config.name, 'x');
    assert.equal(parseOptions(table, ['--on'], {}).config.on, true);
    assert.equal(parseOptions(table, ['--on', '--no-on'], {}).config.on, false);
    assert.equal(parseOptions(table, ['--on=false'], {}).config.on, false);
  });

  it('parses sizes, durations and lists', () => {
    const c = parseOptions(table, ['--size', '16K', '--wait', '250ms', '--list', 'a, b,,c'], {}).config;
    assert.equal(c.size, 16 * 1024);
    assert.equal(c.wait, 0.25);
    assert.deepEqual(c.list, ['a', 'b', 'c']);
    assert.equal(parseOptions(table, ['--wait', '2m'], {}).config.wait, 120);
  });

  it('keeps positional arguments and everything after --', () => {
    const r = parseOptions(table, ['file.json', '--name', 'n', '--', '--not-a-flag'], {});
    assert.deepEqual(r.positional, ['file.json', '--not-a-flag']);
  });

  it('names the flag and the source of a bad value', () => {
    assert.throws(() => parseOptions(table, ['--count', 'x'], {}), /--count: expected an integer, got "x" \(from command line\)/);
    assert.throws(() => parseOptions(table, [], { ASKR_COUNT: '99' }), /--count: must be at most 10, got 99 \(from ASKR_COUNT\)/);
    assert.throws(() => parseOptions(table, ['--size', '12Q'], {}), /--size: expected a size/);
    assert.throws(() => parseOptions(table, ['--listen', 'host:99999'], {}), /--listen: expected host:port/);
    assert.throws(() => parseOptions(table, ['--bogus'], {}), /unknown flag --bogus/);
    assert.throws(() => parseOptions(table, ['--name'], {}), /--name: expected a value/);
  });

  it('renders --help with units, defaults and variables', () => {
    const help = renderHelp(table);
    assert.match(help, /--count <int>\n\s+how many\n\s+\(default: 2; env: ASKR_COUNT\)/);
    assert.match(help, /--on\n/);
  });
});
