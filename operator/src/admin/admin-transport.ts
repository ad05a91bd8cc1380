import { request as httpRequest } from 'node:http';
import { OperatorError } from '../errors.js';

/** The pod an admin call goes to. */
export interface PodRef {
  namespace: string;
  name: string;
  /** `status.podIP`, when known. */
  ip?: string;
  /** The admin port the pod declares (container port named `admin`); transports default to 9180. */
  port?: number;
}

/** The container port named `admin` in a pod spec, if any. */
export function declaredAdminPort(spec: { containers?: { ports?: { name?: string; containerPort: number }[] }[] } | undefined): number | undefined {
  for (const c of spec?.containers ?? []) {
    const p = c.ports?.find((x) => x.name === 'admin');
    if (p) return p.containerPort;
  }
  return undefined;
}

/** One HTTP request to a pod's admin port. */
export interface AdminRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path and query, e.g. `/askr/errors/abc`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Milliseconds before the call is abandoned. */
  timeoutMs: number;
}

/** The answer. */
export interface AdminResponse {
  status: number;
  body: Buffer;
}

/**
 * A way to reach a pod's admin port (9180): straight to the pod IP (the
 * operator, in cluster), through the API server's pod proxy, or through a
 * port-forward (`kubectl askr`).
 */
export interface AdminTransport {
  send(pod: PodRef, req: AdminRequest): Promise<AdminResponse>;
  /** Releases listeners or streams the transport holds. */
  close(): Promise<void>;
}

/** Maps a pod to the base URL of its admin port, e.g. `http://10.1.2.3:9180`. */
export type PodUrlResolver = (pod: PodRef) => string;

/**
 * The in-cluster resolver: the pod IP and its admin port.
 * @param port overrides the port the pod declares (default: the pod's, else 9180)
 */
export function podIpResolver(port?: number): PodUrlResolver {
  return (pod) => {
    if (pod.ip === undefined || pod.ip === '') {
      throw new OperatorError('ASKR_ERR_POD_UNREACHABLE', `pod ${pod.namespace}/${pod.name} has no IP yet`);
    }
    const p = port ?? pod.port ?? 9180;
    return pod.ip.includes(':') ? `http://[${pod.ip}]:${p}` : `http://${pod.ip}:${p}`;
  };
}

/**
 * Plain HTTP to the URL a resolver gives. Tests pass a resolver that points
 * at any server they run; the operator uses `podIpResolver()`.
 */
export class DirectTransport implements AdminTransport {
  private readonly resolve: PodUrlResolver;

  constructor(resolve: PodUrlResolver = podIpResolver()) {
    this.resolve = resolve;
  }

  send(pod: PodRef, req: AdminRequest): Promise<AdminResponse> {
    const url = new URL(req.path, this.resolve(pod));
    return httpCall(url, req);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One HTTP/1.1 call with a deadline; network failures become ASKR_ERR_POD_UNREACHABLE. */
export function httpCall(url: URL, req: AdminRequest): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      headers['Content-Length'] = Buffer.byteLength(req.body);
    }
    const r = httpRequest(url, { method: req.method, headers, timeout: req.timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }); });
      res.on('error', (err) => { reject(unreachable(url, err)); });
    });
    r.on('timeout', () => { r.destroy(new Error(`no answer within ${req.timeoutMs} ms`)); });
    r.on('error', (err) => { reject(unreachable(url, err)); });
    r.end(req.body);
  });
}

function unreachable(url: URL, err: Error): OperatorError {
  return new OperatorError('ASKR_ERR_POD_UNREACHABLE', `${url.host}: ${err.message}`, { cause: err });
}
