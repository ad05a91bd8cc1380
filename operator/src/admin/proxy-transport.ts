import { OperatorError } from '../errors.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { AdminRequest, AdminResponse, AdminTransport, PodRef } from './admin-transport.js';

/**
 * Reaches a pod's admin port through the API server's pod proxy
 * (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`): one HTTPS call with
 * the caller's own credentials, RBAC `get`/`create` on `pods/proxy`. The API
 * server drops `Authorization` before proxying, which is why the admin token
 * travels in `X-Askr-Token`.
 */
export class ProxyTransport implements AdminTransport {
  private readonly client: KubeClient;
  private readonly port: number | undefined;

  /** @param port overrides the admin port pods declare (default: the pod's, else 9180) */
  constructor(client: KubeClient, port?: number) {
    this.client = client;
    this.port = port;
  }

  async send(pod: PodRef, req: AdminRequest): Promise<AdminResponse> {
    const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}:${this.port ?? pod.port ?? 9180}/proxy${req.path}`;
    try {
      const res = await this.client.raw(path, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body, contentType: 'application/json' } : {}),
        timeoutMs: req.timeoutMs,
      });
      return { status: res.status, body: res.body };
    } catch (err) {
      throw new OperatorError('ASKR_ERR_POD_UNREACHABLE', `pod proxy to ${pod.namespace}/${pod.name}: ${(err as Error).message}`, { cause: err });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
