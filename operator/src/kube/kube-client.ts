import type { KubeConfig } from '@kubernetes/client-node';
import fetch from 'node-fetch';
import type { RequestInit } from 'node-fetch';
import { KubeApiError } from './kube-api-error.js';
import type { KubeObject } from './kube-object.js';
import { resourcePath } from './resource-type.js';
import type { ResourceType } from './resource-type.js';

/** A raw answer from the API server. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Options of a raw request. */
export interface RawRequest {
  method?: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Abort the request after this many milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** A list answer: the items and the collection's resourceVersion to watch from. */
export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

/** Selectors accepted by list and watch. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Patch flavours, by their Content-Type. */
export const patchTypes = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * A small REST client for the Kubernetes API on top of client-node's
 * `KubeConfig` (which handles every credential kind: tokens, client
 * certificates, exec plugins, in-cluster service accounts). It speaks JSON over
 * the resource paths of a `ResourceType`, so one code path serves built-in
 * kinds and the `AskrApp` custom resource alike. Non-2xx answers throw
 * `KubeApiError`.
 */
export class KubeClient {
  readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
  }

  /** The API server's base URL from the current context. */
  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new KubeApiError(0, undefined, 'the kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  /** Sends one request; returns the answer whatever its status. */
  async raw(path: string, req: RawRequest = {}): Promise<RawResponse> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const base = await this.kubeConfig.applyToFetchOptions({});
    const headers: Record<string, string> = { Accept: 'application/json' };
    for (const [k, v] of headerEntries(base.headers)) headers[k] = v;
    if (req.contentType !== undefined) headers['Content-Type'] = req.contentType;
    Object.assign(headers, req.headers);
    const init: RequestInit = {
      method: req.method ?? 'GET',
      headers,
      signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
    };
    if (base.agent !== undefined) init.agent = base.agent;
    if (req.body !== undefined) init.body = req.body;
    let res;
    try {
      res = await fetch(url.toString(), init);
    } catch (err) {
      throw new KubeApiError(0, undefined, `${init.method ?? 'GET'} ${path}: ${(err as Error).message}`, { cause: err });
    }
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => { out[name] = value; });
    return { status: res.status, headers: out, body: await res.buffer() };
  }

  /** Sends a JSON request and parses the JSON answer; throws on non-2xx. */
  async json<T>(path: string, req: RawRequest = {}): Promise<T> {
    const res = await this.raw(path, req);
    const text = res.body.toString('utf8');
    if (res.status < 200 || res.status > 299) throw apiError(req.method ?? 'GET', path, res.status, text);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** Reads one object; `undefined` when it does not exist. */
  async get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.json<T>(resourcePath(type, namespace, name));
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Lists objects (all pages) and returns the collection's resourceVersion. */
  async list<T extends KubeObject>(type: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.json<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        resourcePath(type, opts.namespace),
        { query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: 500, continue: cont } },
      );
      items.push(...(page.items ?? []));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont !== undefined);
    // List items carry no apiVersion/kind; restore them so handlers see whole objects.
    const apiVersion = type.group === '' ? type.version : `${type.group}/${type.version}`;
    for (const item of items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= type.kind;
    }
    return { items, resourceVersion };
  }

  /** Creates an object; throws `KubeApiError` 409 when it already exists. */
  async create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return this.json<T>(resourcePath(type, obj.metadata.namespace), {
      method: 'POST', contentType: 'application/json', body: JSON.stringify(obj),
    });
  }

  /** Replaces an object; `metadata.resourceVersion` makes it a compare-and-swap. */
  async replace<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return this.json<T>(resourcePath(type, obj.metadata.namespace, obj.metadata.name), {
      method: 'PUT', contentType: 'application/json', body: JSON.stringify(obj),
    });
  }

  /**
   * Server-side apply: the server merges the fields this manager sends and
   * removes fields it sent before and no longer does. `force` takes ownership
   * of fields another manager holds (what a controller should do on objects it
   * owns).
   */
  async apply<T extends KubeObject>(type: ResourceType, obj: T, fieldManager: string, force = true, subresource?: string): Promise<T> {
    const { namespace, name } = obj.metadata;
    if (name === undefined) throw new TypeError('apply: metadata.name is required');
    return this.json<T>(resourcePath(type, namespace, name, subresource), {
      method: 'PATCH', contentType: patchTypes.apply, body: JSON.stringify(obj), query: { fieldManager, force },
    });
  }

  /** Patches an object or one of its subresources (`status`, `scale`). */
  async patch<T extends KubeObject>(
    type: ResourceType, namespace: string | undefined, name: string, patch: unknown,
    opts: { kind?: keyof typeof patchTypes; subresource?: string; fieldManager?: string } = {},
  ): Promise<T> {
    return this.json<T>(resourcePath(type, namespace, name, opts.subresource), {
      method: 'PATCH', contentType: patchTypes[opts.kind ?? 'merge'], body: JSON.stringify(patch),
      query: { fieldManager: opts.fieldManager },
    });
  }

  /** Deletes an object; resolves quietly when it is already gone. */
  async delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    try {
      await this.json(resourcePath(type, namespace, name), { method: 'DELETE' });
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 404) return;
      throw err;
    }
  }
}

function headerEntries(headers: unknown): [string, string][] {
  if (headers === undefined || headers === null) return [];
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers)) {
    const out: [string, string][] = [];
    (headers as { forEach(cb: (v: string, k: string) => void): void }).forEach((v, k) => out.push([k, v]));
    return out;
  }
  return Object.entries(headers as Record<string, string>);
}

function apiError(method: string, path: string, status: number, text: string): KubeApiError {
  let reason: string | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    if (parsed.kind === 'Status') {
      reason = parsed.reason;
      message = parsed.message ?? message;
    }
  } catch { /* not JSON: keep the text */ }
  return new KubeApiError(status, reason, `${method} ${path}: ${status} ${message}`);
}
