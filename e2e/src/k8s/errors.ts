/**
 * Coded errors of the Kubernetes test harness (control plane and node agent), and
 * what each tells the person reading a failed test.
 */
export const harnessErrorCodes = {
  ASKR_ERR_K8S_BINARIES: 'the Kubernetes test binaries are missing: run scripts/setup-k8s.sh',
  ASKR_ERR_K8S_START: 'a control-plane process did not become ready in time or exited',
  ASKR_ERR_K8S_API: 'the API server answered a request with an error status',
  ASKR_ERR_K8S_TIMEOUT: 'a bounded wait ran out',
  ASKR_ERR_K8S_NETWORK: 'a pod network namespace, veth or bridge could not be set up',
  ASKR_ERR_K8S_IMAGE: 'a container image is not in the local image registry',
  ASKR_ERR_K8S_POD_CONFIG: 'a pod uses a field the node agent cannot honour, or a reference is missing',
  ASKR_ERR_K8S_PROCESS: 'a helper command (ip, mount, nsenter) failed',
} as const;

/** One of the harness's error codes. */
export type HarnessErrorCode = keyof typeof harnessErrorCodes;

/** An error of the test harness, carrying a registry code. */
export class HarnessError extends Error {
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = 'HarnessError';
    this.code = code;
  }
}
