/**
 * One row of the configuration table: a flag, its `ASKR_*` environment variable,
 * its type, default and unit, and a line that says why it exists. Flags, the
 * environment, `askr serve --help` and docs/configuration.md all come from these rows.
 */
export type OptionKind =
  | 'string'
  | 'path'
  | 'int'
  | 'bool'
  | 'bytes'
  | 'seconds'
  | 'megabytes'
  | 'hostport'
  | 'list';

export interface OptionSpec<K extends string = string> {
  /** Key in the parsed config object, camelCase. */
  readonly key: K;
  /** Flag without the leading dashes, kebab-case. */
  readonly flag: string;
  readonly kind: OptionKind;
  /** Default as it would be typed on the command line; undefined means "unset". */
  readonly default?: string;
  /** One line for --help: what it does and why. */
  readonly help: string;
  /** Unit shown in --help, e.g. "MB", "s". */
  readonly unit?: string;
  /** Inclusive bounds for numeric kinds. */
  readonly min?: number;
  readonly max?: number;
  /** Section heading in --help and the docs. */
  readonly group: string;
  /** Hide from the environment (e.g. flags that only make sense on a terminal). */
  readonly noEnv?: boolean;
  /** Name of the variable when it differs from ASKR_<FLAG>. */
  readonly env?: string;
}

/** The `ASKR_*` environment variable that feeds an option. */
export function envName(spec: OptionSpec): string {
  return spec.env ?? `ASKR_${spec.flag.toUpperCase().replace(/-/g, '_')}`;
}
