/**
 * The benchmark harness's coded errors. Each code says what went wrong and how
 * `npm run bench` exits because of it; a scenario that fails with one of these
 * is recorded in the results (with the code) and the run goes on where it can.
 */
export const benchErrorCodes = {
  ASKR_ERR_BENCH_USAGE: { exitCode: 2, what: 'a command-line flag of npm run bench is invalid' },
  ASKR_ERR_BENCH_TOOL: { exitCode: 3, what: 'a program the benchmark needs (nginx, php-fpm8.2, varnishd, wrk, php) is missing or failed' },
  ASKR_ERR_BENCH_START: { exitCode: 1, what: 'a server under test did not start or did not answer within its deadline' },
  ASKR_ERR_BENCH_UNAVAILABLE: { exitCode: 1, what: 'a stack cannot run from this checkout (askr serve lacks a flag it needs)' },
  ASKR_ERR_BENCH_CHECK: { exitCode: 1, what: 'a server answered the pre-check with the wrong status, body or cache state' },
  ASKR_ERR_BENCH_TIMEOUT: { exitCode: 1, what: 'a step of the benchmark passed its deadline' },
  ASKR_ERR_BENCH_WRK: { exitCode: 1, what: 'wrk failed or printed no summary' },
  ASKR_ERR_BENCH_EXTRA: { exitCode: 1, what: 'a benchmark script run by the harness (fan-out, Zipf, askr test) failed' },
  ASKR_ERR_BENCH_UNEXPECTED: { exitCode: 1, what: 'an error without a code of its own (a bug in the harness or in a script it ran)' },
  ASKR_ERR_BENCH_INTERRUPTED: { exitCode: 130, what: 'the run was interrupted (SIGINT/SIGTERM); everything started was stopped' },
} as const;

export type BenchErrorCode = keyof typeof benchErrorCodes;

/** An error with a registry code; `exitCode` is what `npm run bench` exits with. */
export class BenchError extends Error {
  readonly code: BenchErrorCode;

  constructor(code: BenchErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BenchError';
    this.code = code;
  }

  get exitCode(): number {
    return benchErrorCodes[this.code].exitCode;
  }
}

/** Code and message of any error, for the results file: ours keep their code, anything else is ASKR_ERR_BENCH_UNEXPECTED. */
export function errorSummary(err: unknown): { code: string; message: string } {
  if (err instanceof BenchError) return { code: err.code, message: err.message };
  const code: BenchErrorCode = 'ASKR_ERR_BENCH_UNEXPECTED';
  return { code, message: err instanceof Error ? err.message : String(err) };
}
