/**
 * The sidecar's coded errors and what each one means to whoever sees it.
 * Every thrown error that can reach a user or a client carries one of these codes.
 */
export const errorCodes = {
  ASKR_ERR_CONFIG: { status: 500, exitCode: 2, what: 'a flag, environment variable or config file is invalid' },
  ASKR_ERR_QUEUE_FULL: { status: 503, exitCode: 1, what: 'the request queue is at its bound; the client should retry' },
  ASKR_ERR_TIMEOUT: { status: 504, exitCode: 1, what: 'the request did not finish within --request-timeout' },
  ASKR_ERR_WORKER_DIED: { status: 502, exitCode: 1, what: 'the PHP worker died while handling the request' },
  ASKR_ERR_NO_WORKERS: { status: 503, exitCode: 1, what: 'no PHP worker can be started (the template is down)' },
  ASKR_ERR_BODY_TOO_LARGE: { status: 413, exitCode: 1, what: 'the request body is larger than --max-body-size' },
  ASKR_ERR_BAD_REQUEST: { status: 400, exitCode: 1, what: 'the request cannot be parsed' },
  ASKR_ERR_DRAINING: { status: 503, exitCode: 1, what: 'the server is shutting down' },
  ASKR_ERR_CLIENT_GONE: { status: 499, exitCode: 1, what: 'the client left while its request waited for a worker; it was not run' },
  ASKR_ERR_PROTOCOL: { status: 502, exitCode: 1, what: 'a worker sent a frame that breaks the protocol' },
  ASKR_ERR_TEMPLATE: { status: 503, exitCode: 1, what: 'the PHP template failed to start or boot the app' },
  ASKR_ERR_SHM: { status: 500, exitCode: 1, what: 'the shared-memory file cannot be created or mapped' },
  ASKR_ERR_UNAUTHORIZED: { status: 401, exitCode: 1, what: 'the admin token is missing or wrong' },
  ASKR_ERR_NOT_FOUND: { status: 404, exitCode: 1, what: 'no such resource' },
  ASKR_ERR_REPLAY: { status: 500, exitCode: 1, what: 'a recorded request cannot be replayed' },
} as const;

export type AskrErrorCode = keyof typeof errorCodes;

/** An error with a registry code; `status` is what an HTTP client sees. */
export class AskrError extends Error {
  readonly code: AskrErrorCode;

  constructor(code: AskrErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AskrError';
    this.code = code;
  }

  get status(): number {
    return errorCodes[this.code].status;
  }

  get exitCode(): number {
    return errorCodes[this.code].exitCode;
  }
}
