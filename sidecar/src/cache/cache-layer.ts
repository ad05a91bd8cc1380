import type { IncomingMessage, ServerResponse } from 'node:http';
import { AskrError } from '../errors.js';
import type { ClientView } from '../http/trusted-proxies.js';
import type { DispatchLayer, PhpExchange } from '../http/front-handler.js';
import type { HeaderList, ResponseSink } from '../pool/response-sink.js';
import type { CacheDecision, CacheLease, CacheOutcome } from './cache-decision.js';
import { clientHeaders, type ResponseHeaders } from './cache-policy.js';
import type { ResponseCache } from './response-cache.js';

/** A header list as the cache's lowercase map (repeated names become arrays). */
export function headerMap(list: HeaderList): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [name, value] of list) {
    const k = name.toLowerCase();
    const prev = out[k];
    if (prev === undefined) out[k] = value;
    else if (typeof prev === 'string') out[k] = [prev, value];
    else prev.push(value);
  }
  return out;
}

/** The cache's header map as a list for a sink. */
export function headerList(map: ResponseHeaders): HeaderList {
  const out: HeaderList = [];
  for (const [name, value] of Object.entries(map)) {
    if (typeof value === 'string') out.push([name, value]);
    else for (const v of value) out.push([name, v]);
  }
  return out;
}

/** A fresh entry as the fast paths send it. */
export interface FreshHit {
  status: number;
  /** The stored headers as [name, value, name, value, …] (shared: copy before changing). */
  headers: readonly string[];
  body: Buffer;
  /** Seconds since it was stored. */
  age: number;
}

/** What a hit adds to its stored headers, as [name, value, …]; both fast paths send these. */
export function hitHeaders(hit: FreshHit): string[] {
  return ['age', String(hit.age), 'content-length', String(hit.body.length), 'x-askr-cache', 'HIT'];
}

/** Flattened stored headers of an entry, for the hot path. */
const flatHeaders = new WeakMap<object, string[]>();

function serve(sink: ResponseSink, status: number, headers: ResponseHeaders, body: Buffer | undefined): void {
  sink.head(status, headerList(headers), false);
  // The HTTP sink sets Content-Length from the body and Node drops it for HEAD.
  if (body && body.length > 0) sink.body(body);
  sink.end();
}

/** Strips Askr-Cache and sets X-Askr-Cache on a response that streams through. */
class BypassSink implements ResponseSink {
  constructor(
    private readonly down: ResponseSink,
    private readonly finish: (status: number, headers: HeaderList) => CacheOutcome,
  ) {}
  head(status: number, headers: HeaderList, streamed: boolean): void {
    const out = this.finish(status, headers);
    this.down.head(out.status, headerList(out.headers), streamed);
  }
  body(chunk: Buffer): boolean {
    return this.down.body(chunk);
  }
  end(): void {
    this.down.end();
  }
  fail(error: AskrError): void {
    this.down.fail(error);
  }
  onDrain(resume: () => void): void {
    this.down.onDrain(resume);
  }
  assigned(pid: number): void {
    this.down.assigned?.(pid);
  }
  gone(): boolean {
    return this.down.gone?.() ?? false;
  }
}

/**
 * Buffers PHP's answer for the lease (up to the entry limit), then sends the
 * client what `finish` decided. A streamed or oversized answer is handed on as
 * it comes (BYPASS); a failure before the end may be answered by the stale entry.
 * A leader is never `gone`: other requests for the key (in any front process)
 * may be waiting for its answer, and the store keeps it.
 */
class LeaseSink implements ResponseSink {
  private status = 0;
  private headers: HeaderList = [];
  private chunks: Buffer[] = [];
  private size = 0;
  /** 'buffer' until decided; 'pass' streams to the client; 'drop' discards (stale served). */
  private mode: 'buffer' | 'pass' | 'drop' = 'buffer';

  constructor(
    private readonly down: ResponseSink,
    private readonly lease: CacheLease,
    private readonly limit: number,
    private readonly onResult: (x: string) => void,
    private readonly leader: boolean,
  ) {}

  head(status: number, headers: HeaderList, streamed: boolean): void {
    this.status = status;
    this.headers = headers;
    if (streamed) this.decide(undefined);
  }

  body(chunk: Buffer): boolean {
    if (this.mode === 'pass') return this.down.body(chunk);
    if (this.mode === 'drop') return true;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.limit) this.decide(undefined);
    return true;
  }

  end(): void {
    if (this.mode === 'buffer') {
      const out = this.lease.finish({ status: this.status, headers: headerMap(this.headers), body: Buffer.concat(this.chunks), method: 'GET' });
      this.onResult(out.xCache ?? '');
      serve(this.down, out.status, out.headers, out.body);
      return;
    }
    if (this.mode === 'pass') this.down.end();
  }

  fail(error: AskrError): void {
    if (this.mode === 'buffer') {
      const stale = this.lease.abandon();
      if (stale) {
        this.onResult('STALE');
        serve(this.down, stale.status, stale.headers, stale.body);
        return;
      }
    }
    if (this.mode !== 'drop') this.down.fail(error);
  }

  onDrain(resume: () => void): void {
    this.down.onDrain(resume);
  }

  assigned(pid: number): void {
    this.down.assigned?.(pid);
  }

  gone(): boolean {
    return !this.leader && (this.down.gone?.() ?? false);
  }

  /** Decides before the end (streamed, or over the limit): the body cannot be stored. */
  private decide(body: Buffer | undefined): void {
    const out = this.lease.finish({ status: this.status, headers: headerMap(this.headers), body, method: 'GET' });
    this.onResult(out.xCache ?? '');
    if (out.staleFallback) {
      this.mode = 'drop';
      serve(this.down, out.status, out.headers, out.body);
      return;
    }
    this.mode = 'pass';
    this.down.head(out.status, headerList(out.headers), true);
    for (const c of this.chunks) this.down.body(c);
    this.chunks = [];
  }
}

/** Where a background refresh's answer goes: nowhere (it only feeds the store). */
class NullSink implements ResponseSink {
  head(): void {
    // A background refresh has no client.
  }
  body(): boolean {
    return true;
  }
  end(): void {
    // Nothing to finish.
  }
  fail(): void {
    // The lease records the failure.
  }
  onDrain(): void {
    // Never paused.
  }
}

/**
 * The response cache as a dispatch layer of the HTTP front: hits are answered
 * without PHP, misses are buffered and stored, stale entries are served while
 * one background refresh runs. Place it outside (before) the error recorder in
 * the layer list, so the recorder sees PHP's 5xx even when the client gets the
 * stale entry instead.
 */
export class CacheLayer implements DispatchLayer {
  constructor(private readonly cache: ResponseCache) {}

  /**
   * A fresh hit for this request, or null when it needs the full pipeline
   * (miss, stale, bypass, an error). `headers` are the request's, lowercased.
   */
  freshHit(method: string, target: string, headers: Readonly<Record<string, string | readonly string[] | undefined>>, view: ClientView): FreshHit | null {
    const host = view.host ?? headers.host;
    let found;
    try {
      found = this.cache.peekFresh({
        method,
        target,
        headers: host === headers.host ? headers : { ...headers, host },
        scheme: view.proto,
        deadline: Date.now(),
      });
    } catch {
      return null;
    }
    if (!found) return null;
    const { entry, now } = found;
    // Decoded entries are memoised per process, so their flattened headers can be too.
    let stored = flatHeaders.get(entry);
    if (!stored) {
      stored = [];
      for (const [name, value] of Object.entries(entry.headers)) {
        if (typeof value === 'string') stored.push(name, value);
        else for (const v of value) stored.push(name, v);
      }
      flatHeaders.set(entry, stored);
    }
    return { status: found.status, headers: stored, body: entry.body, age: Math.max(0, Math.floor((now - entry.storedAt) / 1000)) };
  }

  /**
   * The hot path: answers a fresh hit straight onto the response, before the
   * front builds anything for PHP. Returns what it sent, or null when the
   * request needs the full pipeline.
   */
  serveFreshHit(req: IncomingMessage, res: ServerResponse, view: ClientView): { status: number; bytes: number } | null {
    const hit = this.freshHit(req.method ?? 'GET', req.url ?? '/', req.headers, view);
    if (!hit) return null;
    res.writeHead(hit.status, [...hit.headers, ...hitHeaders(hit)]);
    res.end(hit.body);
    return { status: hit.status, bytes: hit.body.length };
  }

  dispatch(exchange: PhpExchange, sink: ResponseSink, next: (sink: ResponseSink) => void): void {
    const req = exchange.req;
    const host = exchange.view.host ?? req.headers.host;
    let decision: CacheDecision | Promise<CacheDecision>;
    try {
      decision = this.cache.lookup({
        method: exchange.request.method,
        target: req.url ?? '/',
        headers: host === req.headers.host ? req.headers : { ...req.headers, host },
        scheme: exchange.view.proto,
        deadline: Date.now() + (exchange.deadline - performance.now()),
      });
    } catch (err) {
      this.uncached(err, sink, next);
      return;
    }
    if (decision instanceof Promise) {
      decision.then(
        (d) => {
          this.apply(d, exchange, sink, next);
        },
        (err: unknown) => {
          this.uncached(err, sink, next);
        },
      );
    } else this.apply(decision, exchange, sink, next);
  }

  /** A failure inside the cache never fails the request: PHP answers it, uncached. */
  private uncached(err: unknown, sink: ResponseSink, next: (sink: ResponseSink) => void): void {
    this.cache.log({ event: 'cache.error', error: err instanceof Error ? err.message : String(err) });
    next(new BypassSink(sink, (status, headers) => ({ status, headers: clientHeaders(headerMap(headers)), body: undefined, xCache: undefined, reason: undefined, staleFallback: false })));
  }

  private apply(d: CacheDecision, exchange: PhpExchange, sink: ResponseSink, next: (sink: ResponseSink) => void): void {
    switch (d.kind) {
      case 'hit':
        exchange.setCacheResult('HIT');
        serve(sink, d.status, d.headers, d.body);
        return;
      case 'stale':
        exchange.setCacheResult('STALE');
        serve(sink, d.status, d.headers, d.body);
        if (d.refresh) {
          asGet(exchange);
          next(new LeaseSink(new NullSink(), d.refresh, this.cache.store.maxEntryBytes, () => undefined, true));
        }
        return;
      case 'miss':
        asGet(exchange);
        next(new LeaseSink(sink, d.lease, this.cache.store.maxEntryBytes, (x) => {
          exchange.setCacheResult(x);
        }, d.leader));
        return;
      case 'bypass':
        exchange.setCacheResult('BYPASS');
        next(new BypassSink(sink, (status, headers) => d.finish({ status, headers: headerMap(headers), body: undefined })));
        return;
    }
  }
}

/** HEAD is served from GET's entry, so a miss (or refresh) runs GET; Node drops the body for HEAD. */
function asGet(exchange: PhpExchange): void {
  if (exchange.request.method !== 'HEAD') return;
  exchange.request.method = 'GET';
  exchange.request.server.REQUEST_METHOD = 'GET';
}
