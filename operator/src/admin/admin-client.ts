import { OperatorError } from '../errors.js';
import type { AdminRequest, AdminTransport, PodRef } from './admin-transport.js';

/** `GET /askr/status` of one pod. */
export interface PodStatus {
  version: string;
  pid: number;
  uptimeSeconds: number;
  mode: 'worker' | 'classic';
  workers: { min: number; max: number; alive: number; busy: number; idle: number; desired: number };
  queue: { depth: number; limit: number };
  cache: { entries: number; bytes: number; hits: number; misses: number } | null;
  pusher: { connections: number } | null;
}

/** One entry of `GET /askr/errors`. */
export interface RecordedErrorSummary {
  id: string;
  /** RFC 3339 or epoch milliseconds, as the sidecar wrote it. */
  time: string | number;
  method: string;
  uri: string;
  status: number;
}

/** `POST /askr/errors/{id}/replay`. */
export interface ReplayResult {
  status: number;
  headers: [string, string][];
  /** The response body: UTF-8 text, or base64 when `bodyEncoding` says so (binary bodies). */
  body: string;
  bodyEncoding?: 'utf8' | 'base64';
}

/**
 * The sidecar admin API (port 9180) over any transport. The token goes in
 * `X-Askr-Token`, which every route accepts and which survives the API
 * server's pod proxy (it strips `Authorization`). Non-2xx answers throw
 * `ASKR_ERR_ADMIN_API` (404 → `ASKR_ERR_NOT_FOUND`) with the sidecar's
 * `{error}` message.
 */
export class AdminClient {
  private readonly transport: AdminTransport;
  private readonly token: (pod: PodRef) => string | Promise<string>;
  private readonly timeoutMs: number;

  /**
   * @param token the admin token, or a function of the pod (the operator looks it up per app)
   * @param timeoutMs deadline of each call, milliseconds
   */
  constructor(transport: AdminTransport, token: string | ((pod: PodRef) => string | Promise<string>), timeoutMs = 5000) {
    this.transport = transport;
    this.token = typeof token === 'string' ? () => token : token;
    this.timeoutMs = timeoutMs;
  }

  /** Prometheus text of `GET /metrics`. */
  async metrics(pod: PodRef): Promise<string> {
    return (await this.call(pod, 'GET', '/metrics')).toString('utf8');
  }

  /** `GET /askr/status`. */
  async status(pod: PodRef): Promise<PodStatus> {
    return this.json<PodStatus>(pod, 'GET', '/askr/status');
  }

  /** `PUT /askr/workers`: sets the pod's worker ceiling (and floor). */
  async setWorkers(pod: PodRef, workers: { max: number; min?: number }): Promise<{ min: number; max: number }> {
    return this.json(pod, 'PUT', '/askr/workers', workers);
  }

  /** `GET /askr/errors`: recorded 5xx, newest first. */
  async errors(pod: PodRef): Promise<RecordedErrorSummary[]> {
    return (await this.json<{ errors: RecordedErrorSummary[] }>(pod, 'GET', '/askr/errors')).errors;
  }

  /** `GET /askr/errors/{id}`: the full recorded envelope, as raw JSON text. */
  async errorEnvelope(pod: PodRef, id: string): Promise<string> {
    return (await this.call(pod, 'GET', `/askr/errors/${encodeURIComponent(id)}`)).toString('utf8');
  }

  /** `GET /askr/errors/{id}/body`: the recorded request body, byte for byte (empty when there was none). */
  async errorBody(pod: PodRef, id: string): Promise<Buffer> {
    return this.call(pod, 'GET', `/askr/errors/${encodeURIComponent(id)}/body`);
  }

  /** `POST /askr/errors/{id}/replay`: runs the recorded request again on a fresh worker. */
  async replay(pod: PodRef, id: string): Promise<ReplayResult> {
    return this.json(pod, 'POST', `/askr/errors/${encodeURIComponent(id)}/replay`, {});
  }

  /**
   * `POST /askr/cache/forget-tag`; resolves with the tags the pod forgot. The
   * sidecar answers `{"seq": n}` (its forget sequence) and refuses the whole
   * call (400) when any tag is invalid, so a 2xx answer means every tag.
   */
  async forgetTags(pod: PodRef, tags: string[]): Promise<string[]> {
    return (await this.json<{ seq?: number; forgotten?: string[] }>(pod, 'POST', '/askr/cache/forget-tag', { tags })).forgotten ?? tags;
  }

  private async json<T>(pod: PodRef, method: AdminRequest['method'], path: string, body?: unknown): Promise<T> {
    const raw = await this.call(pod, method, path, body);
    try {
      return JSON.parse(raw.toString('utf8')) as T;
    } catch (err) {
      throw new OperatorError('ASKR_ERR_ADMIN_API', `${method} ${path} on ${pod.name}: the answer is not JSON`, { cause: err });
    }
  }

  private async call(pod: PodRef, method: AdminRequest['method'], path: string, body?: unknown): Promise<Buffer> {
    const headers = { 'X-Askr-Token': await this.token(pod), Accept: 'application/json, text/plain' };
    const req: AdminRequest = { method, path, headers, timeoutMs: this.timeoutMs };
    if (body !== undefined) req.body = JSON.stringify(body);
    const res = await this.transport.send(pod, req);
    if (res.status >= 200 && res.status < 300) return res.body;
    const text = res.body.toString('utf8');
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
      else if (typeof parsed.message === 'string') message = parsed.message;
    } catch { /* keep the text */ }
    const code = res.status === 404 ? 'ASKR_ERR_NOT_FOUND' : 'ASKR_ERR_ADMIN_API';
    throw new OperatorError(code, `${method} ${path} on ${pod.name}: HTTP ${res.status} ${message}`);
  }
}
