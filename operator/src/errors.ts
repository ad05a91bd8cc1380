/**
 * The operator's coded errors, and what each means to whoever sees it: the
 * condition reason written to an `AskrApp`'s status, and the exit code of the
 * `askr-operator` and `kubectl-askr` processes.
 */
export const errorCodes = {
  ASKR_ERR_CONFIG: { exitCode: 2, reason: 'InvalidConfig', what: 'an operator setting, a flag or an environment variable is invalid' },
  ASKR_ERR_USAGE: { exitCode: 2, reason: 'InvalidUsage', what: 'a kubectl askr command line is invalid' },
  ASKR_ERR_KUBE_API: { exitCode: 1, reason: 'ApiError', what: 'the Kubernetes API answered with an error' },
  ASKR_ERR_KUBE_CONFLICT: { exitCode: 1, reason: 'Conflict', what: 'a write lost a race with another writer (HTTP 409)' },
  ASKR_ERR_NOT_FOUND: { exitCode: 1, reason: 'NotFound', what: 'a Kubernetes object or a recorded error does not exist' },
  ASKR_ERR_INVALID_SPEC: { exitCode: 1, reason: 'InvalidSpec', what: 'the AskrApp spec cannot be turned into workloads' },
  ASKR_ERR_TEMPORARY: { exitCode: 1, reason: 'Retrying', what: 'a handler asked to be retried after a delay' },
  ASKR_ERR_PERMANENT: { exitCode: 1, reason: 'Failed', what: 'a handler failed in a way a retry cannot fix' },
  ASKR_ERR_POD_UNREACHABLE: { exitCode: 1, reason: 'PodUnreachable', what: 'a pod\'s admin port did not answer' },
  ASKR_ERR_ADMIN_API: { exitCode: 1, reason: 'AdminApiError', what: 'a sidecar admin API call answered with an error' },
  ASKR_ERR_NO_PODS: { exitCode: 1, reason: 'NoPods', what: 'the AskrApp has no running pod to talk to' },
  ASKR_ERR_LEADERSHIP_LOST: { exitCode: 1, reason: 'LeadershipLost', what: 'the operator lost its leader Lease and must restart' },
} as const;

export type OperatorErrorCode = keyof typeof errorCodes;

/** An error with a registry code. */
export class OperatorError extends Error {
  readonly code: OperatorErrorCode;

  constructor(code: OperatorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OperatorError';
    this.code = code;
  }

  /** Process exit code for a CLI that stops on this error. */
  get exitCode(): number {
    return errorCodes[this.code].exitCode;
  }

  /** Condition reason (CamelCase) for status conditions and Events. */
  get reason(): string {
    return errorCodes[this.code].reason;
  }
}

/**
 * Thrown by a handler to be called again after `delayMs` (kopf's
 * `TemporaryError(delay=…)`). The work queue's backoff is bypassed: the handler
 * knows best when the world will have changed.
 */
export class TemporaryError extends OperatorError {
  readonly delayMs: number;

  constructor(message: string, delayMs = 60_000, options?: ErrorOptions) {
    super('ASKR_ERR_TEMPORARY', message, options);
    this.name = 'TemporaryError';
    this.delayMs = delayMs;
  }
}

/**
 * Thrown by a handler when retrying cannot help (kopf's `PermanentError`). The
 * object is not retried until it changes again (a new generation, a label or an
 * annotation edit, or a deletion).
 */
export class PermanentError extends OperatorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ASKR_ERR_PERMANENT', message, options);
    this.name = 'PermanentError';
  }
}

/** The message of anything thrown, for logs and Events. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  // WebSocket error events and API status objects: their message, else what they hold.
  if (typeof err === 'object' && err !== null) {
    const o = err as { message?: unknown; error?: unknown; type?: unknown };
    if (typeof o.message === 'string' && o.message !== '') return o.message;
    if (o.error instanceof Error) return o.error.message;
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}
