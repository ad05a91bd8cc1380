import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { HarnessError } from './errors.js';

/** Where and how to reach an API server. */
export interface KubeApiOptions {
  /** `https://host:port`. */
  server: string;
  /** Bearer token. */
  token: string;
  /** PEM bundle that verifies the serving certificate. */
  ca: string;
}

/** Options of one request. */
export interface KubeRequest {
  body?: unknown;
  /** Default `application/json`; patches pass their patch type. */
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Milliseconds before the request is aborted. Default 30 000. */
  timeoutMs?: number;
  /** Extra request headers (e.g. for a pod behind the API server's pod proxy). */
  headers?: Record<string, string>;
}

/** One event of a watch stream. */
export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Merge-patch content type (RFC 7386): lists in the patch replace lists in the object. */
export const mergePatch = 'application/merge-patch+json';

/** An error status from the API server. */
export class KubeApiError extends HarnessError {
  readonly status: number;
  readonly reason: string;

  constructor(method: string, path: string, status: number, body: string) {
    let reason = '';
    let message = body.slice(0, 500);
    try {
      const s = JSON.parse(body) as { reason?: string; message?: string };
      reason = s.reason ?? '';
      message = s.message ?? message;
    } catch {
      // Not a Status object.
    }
    super('ASKR_ERR_K8S_API', `${method} ${path}: ${status} ${reason} ${message}`);
    this.status = status;
    this.reason = reason;
  }
}

function queryString(query: KubeRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * A small JSON client for the Kubernetes REST API over node:https, used by the
 * harness itself (readiness checks, the node agent). Tests of the product use
 * the official clients instead.
 */
export class KubeApi {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly token: string;

  constructor(opts: KubeApiOptions) {
    this.url = new URL(opts.server);
    this.token = opts.token;
    this.agent = new Agent({ ca: opts.ca, keepAlive: true, maxSockets: 16 });
  }

  /**
   * Sends one request; resolves with the parsed JSON body (the text when the
   * answer is not JSON, undefined when empty); throws `KubeApiError` on non-2xx.
   */
  async request<T = unknown>(method: string, path: string, opts: KubeRequest = {}): Promise<T> {
    const full = path + queryString(opts.query);
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const res = await this.send(method, full, payload, opts.contentType ?? 'application/json', opts.timeoutMs ?? 30_000, undefined, opts.headers);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new KubeApiError(method, full, status, text);
    if (text === '') return undefined as T;
    return (res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T;
  }

  /** GET that answers undefined for 404. */
  async getOrUndefined<T>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Opens a watch and calls `onEvent` for each event until the server ends the
   * stream (resolves), the signal aborts (resolves), or the connection fails (rejects).
   */
  async watch(path: string, query: KubeRequest['query'], onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const full = path + queryString({ ...query, watch: 1 });
    const res = await this.send('GET', full, undefined, 'application/json', 0, signal);
    const status = res.statusCode ?? 0;
    if (status !== 200) throw new KubeApiError('WATCH', full, status, await readBody(res));
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent);
        }
      });
      res.on('end', resolve);
      res.on('error', (err) => {
        if (signal.aborted) resolve();
        else reject(err);
      });
      res.on('close', resolve);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, payload: string | undefined, contentType: string, timeoutMs: number, signal?: AbortSignal, extra: Record<string, string> = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          agent: this.agent,
          signal,
          headers: {
            ...extra,
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        resolve,
      );
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => {
          req.destroy(new HarnessError('ASKR_ERR_K8S_TIMEOUT', `${method} ${path}: no answer within ${timeoutMs} ms`));
        });
      }
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    res.on('error', reject);
  });
}
