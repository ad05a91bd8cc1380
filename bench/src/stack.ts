// What every server under test looks like to the scenario runner.

/** The stacks a scenario can compare. */
export type StackId = 'askr' | 'fpm' | 'varnish' | 'nginx-static' | 'node-bare';

/** Human names for the table. */
export const STACK_LABELS: Readonly<Record<StackId, string>> = {
  askr: 'askr serve',
  fpm: 'nginx + php-fpm',
  varnish: 'Varnish (hit)',
  'nginx-static': 'nginx static file',
  'node-bare': 'bare node:http (the limit of a Node front)',
};

/** A started server: where to send requests, which process trees are its own, how it was started, how to stop it. */
export interface Stack {
  readonly id: StackId;
  /** Base URL, http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** PIDs whose process trees make up the stack (measured for RSS and CPU). */
  readonly roots: readonly number[];
  /** Exact command lines, with the environment they were given. */
  readonly commands: readonly string[];
  /** Configuration files written for it, by name. */
  readonly configs: Readonly<Record<string, string>>;
  /** The stack's recent output and error logs, kept with a run that went wrong. */
  logs(): string;
  /** Stops every process of the stack (by PID) and removes its files. */
  stop(): Promise<void>;
}

/** Renders `VAR=value … file args…` for the record. */
export function commandLine(file: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`), quote(file), ...args.map(quote)].join(' ');
}
