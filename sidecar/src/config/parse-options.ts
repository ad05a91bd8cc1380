import { AskrError } from '../errors.js';
import { envName, type OptionKind, type OptionSpec } from './option.js';

type ValueOf<K extends OptionKind> = K extends 'int' | 'bytes' | 'seconds' | 'megabytes'
  ? number
  : K extends 'bool'
    ? boolean
    : K extends 'list'
      ? string[]
      : string;

/** The typed object a table of options parses into. */
export type ConfigOf<T extends readonly OptionSpec[]> = {
  [S in T[number] as S['key']]: S extends { default: string } ? ValueOf<S['kind']> : ValueOf<S['kind']> | undefined;
};

export interface ParsedArgs<T extends readonly OptionSpec[]> {
  config: ConfigOf<T>;
  /** Non-flag arguments, in order. */
  positional: string[];
  /** Keys that were set explicitly (flag or environment), not by default. */
  explicit: Set<string>;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

function fail(spec: OptionSpec, source: string, message: string): never {
  throw new AskrError('ASKR_ERR_CONFIG', `--${spec.flag}: ${message} (from ${source})`);
}

function parseNumber(spec: OptionSpec, raw: string, source: string, integer: boolean): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    fail(spec, source, `expected ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  return n;
}

function parseValue(spec: OptionSpec, raw: string, source: string): unknown {
  switch (spec.kind) {
    case 'string':
    case 'path':
      if (raw === '') fail(spec, source, 'expected a value, got an empty string');
      return raw;
    case 'bool': {
      const v = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return fail(spec, source, `expected true or false, got "${raw}"`);
    }
    case 'int':
      return parseNumber(spec, raw, source, true);
    case 'megabytes':
      return parseNumber(spec, raw, source, false);
    case 'seconds': {
      const m = /^\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h)?\s*$/i.exec(raw);
      if (!m) return fail(spec, source, `expected a duration such as 30, 1.5s or 250ms, got "${raw}"`);
      const unit = (m[2] ?? 's').toLowerCase();
      const factor = unit === 'ms' ? 0.001 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 1;
      return Number(m[1]) * factor;
    }
    case 'bytes': {
      const m = /^\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$/i.exec(raw);
      const unit = SIZE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
      if (!m || unit === undefined) return fail(spec, source, `expected a size such as 512K, 16M or 1G, got "${raw}"`);
      return Math.floor(Number(m[1]) * unit);
    }
    case 'hostport': {
      if (raw === 'off') return raw;
      const m = /^(?:\[([0-9a-f:]+)\]|([^:]*)):?(\d+)$/i.exec(raw.includes(':') ? raw : `:${raw}`);
      const port = m ? Number(m[3]) : NaN;
      if (!m || port > 65535) return fail(spec, source, `expected host:port (port 0-65535), got "${raw}"`);
      return raw;
    }
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
}

function checkBounds(spec: OptionSpec, value: unknown, source: string): void {
  if (typeof value !== 'number') return;
  if (spec.min !== undefined && value < spec.min) fail(spec, source, `must be at least ${spec.min}, got ${value}`);
  if (spec.max !== undefined && value > spec.max) fail(spec, source, `must be at most ${spec.max}, got ${value}`);
}

/**
 * Parses argv and the environment against a table of options. Flags win over
 * `ASKR_*` variables, which win over defaults. Unknown flags and bad values throw
 * an `AskrError('ASKR_ERR_CONFIG')` whose message names the flag.
 */
export function parseOptions<const T extends readonly OptionSpec[]>(
  table: T,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedArgs<T> {
  const byFlag = new Map<string, OptionSpec>(table.map((s) => [s.flag, s]));
  const values: Record<string, unknown> = {};
  const explicit = new Set<string>();
  const positional: string[] = [];

  for (const spec of table) {
    if (spec.default !== undefined) values[spec.key] = parseValue(spec, spec.default, 'default');
  }
  for (const spec of table) {
    if (spec.noEnv) continue;
    const name = envName(spec);
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const v = parseValue(spec, raw, name);
    checkBounds(spec, v, name);
    values[spec.key] = v;
    explicit.add(spec.key);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec = byFlag.get(name);
    if (!spec && name.startsWith('no-') && byFlag.get(name.slice(3))?.kind === 'bool' && raw === undefined) {
      name = name.slice(3);
      spec = byFlag.get(name);
      raw = 'false';
    }
    if (!spec) throw new AskrError('ASKR_ERR_CONFIG', `unknown flag --${name} (--help lists the flags)`);
    if (raw === undefined) {
      if (spec.kind === 'bool') raw = 'true';
      else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) fail(spec, 'command line', 'expected a value');
        raw = next;
        i++;
      }
    }
    const v = parseValue(spec, raw, 'command line');
    checkBounds(spec, v, 'command line');
    values[spec.key] = v;
    explicit.add(spec.key);
  }
  return { config: values as ConfigOf<T>, positional, explicit };
}

/** Renders the table as `--help` text, grouped by section. */
export function renderHelp(table: readonly OptionSpec[]): string {
  const groups = new Map<string, OptionSpec[]>();
  for (const s of table) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const lines: string[] = [];
  for (const [group, specs] of groups) {
    lines.push('', `${group}:`);
    for (const s of specs) {
      const value = s.kind === 'bool' ? '' : ` <${s.kind === 'list' ? 'a,b' : s.kind}>`;
      const extras = [s.unit ? `unit: ${s.unit}` : '', s.default !== undefined ? `default: ${s.default}` : '', s.noEnv ? '' : `env: ${envName(s)}`]
        .filter((x) => x !== '')
        .join('; ');
      lines.push(`  --${s.flag}${value}`, `      ${s.help}`, `      (${extras})`);
    }
  }
  return lines.join('\n');
}
