import { OperatorError } from '../errors.js';
import type { OperatorErrorCode } from '../errors.js';

/**
 * An error answer from the Kubernetes API, with the HTTP status and the
 * `Status` object's reason (`NotFound`, `AlreadyExists`, `Conflict`, `Expired`…).
 */
export class KubeApiError extends OperatorError {
  /** HTTP status code; 0 when the request never got an answer. */
  readonly statusCode: number;
  /** `Status.reason` from the body, when the server sent one. */
  readonly apiReason: string | undefined;

  constructor(statusCode: number, apiReason: string | undefined, message: string, options?: ErrorOptions) {
    super(codeFor(statusCode), message, options);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.apiReason = apiReason;
  }
}

function codeFor(statusCode: number): OperatorErrorCode {
  if (statusCode === 404) return 'ASKR_ERR_NOT_FOUND';
  if (statusCode === 409) return 'ASKR_ERR_KUBE_CONFLICT';
  return 'ASKR_ERR_KUBE_API';
}

/** True when `err` is an API answer with this HTTP status. */
export function isStatus(err: unknown, statusCode: number): boolean {
  return err instanceof KubeApiError && err.statusCode === statusCode;
}
