import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { AskrError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import type { DispatchRequest, ResponseSink } from '../pool/response-sink.js';
import { hitHeaders, type FreshHit } from '../cache/cache-layer.js';
import type { AccessLog } from './access-log.js';
import { PlainRequest, type FrontRequest } from './front-request.js';
import type { PlainAnswerer, PlainConnection } from './plain-connection.js';
import { httpDate, statusAndHeaders } from './response-head.js';
import type { SimpleRequest } from './simple-request.js';
import { hasNoBody, readBody, releaseBody } from './body-spool.js';
import { HttpResponseSink, type ClientResponse, type ResponseSummary } from './http-response-sink.js';
import type { ScriptResolver } from './script-resolver.js';
import { serverVars } from './server-vars.js';
import type { StaticEntry, StaticFiles } from './static-files.js';
import type { ClientView, TrustedProxies } from './trusted-proxies.js';

/** A feature that answers some requests itself (Pusher API, SSE) or takes over upgrades (WebSocket). */
export interface RouteFeature {
  /** Returns true when it took the request. */
  handleRequest?(req: IncomingMessage, res: ServerResponse, view: ClientView): boolean;
  /** Returns true when it took the upgrade. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Whether requests for this URL path may be its (the plain front asks before
   * taking a request). A feature without it is assumed to claim every path.
   */
  claims?(path: string): boolean;
}

/** Everything a layer around PHP dispatch needs to know about the request. */
export interface PhpExchange {
  request: DispatchRequest;
  req: FrontRequest;
  view: ClientView;
  /** performance.now() deadline of the request. */
  deadline: number;
  /** Sets the access log's cache column. */
  setCacheResult(result: string): void;
}

/**
 * A layer around dispatching to PHP (the response cache, the error recorder):
 * it may answer by itself, or wrap the sink and call `next`.
 */
export interface DispatchLayer {
  dispatch(exchange: PhpExchange, sink: ResponseSink, next: (sink: ResponseSink) => void): void;
}

/** Answers a request completely without the PHP pipeline when it can (fresh cache hits). */
export interface FastPath {
  serveFreshHit(req: IncomingMessage, res: ServerResponse, view: ClientView): { status: number; bytes: number } | null;
  freshHit(method: string, target: string, headers: Readonly<Record<string, string>>, view: ClientView): FreshHit | null;
}

export interface FrontHandlerDeps {
  mode: 'worker' | 'classic';
  pool: WorkerPool;
  staticFiles: StaticFiles;
  scripts: ScriptResolver;
  proxies: TrustedProxies;
  accessLog: AccessLog;
  metrics: SidecarMetrics;
  log: Logger;
  maxBodySize: number;
  requestTimeoutMs: number;
  spoolDir: string;
  routes: RouteFeature[];
  layers: DispatchLayer[];
  fastPath?: FastPath | undefined;
  /** Node's HTTP server's keep-alive timeout, which the plain front's responses announce too (default 5 s). */
  keepAliveTimeoutMs?: number;
}

const idPrefix = randomBytes(3).toString('hex');

/**
 * The request for PHP, with $_SERVER built only on first use: a response
 * answered from the cache never needs it. A class, not an object literal with a
 * getter: V8 gives each such literal its own map, and maps live in old space,
 * so the getter's closure (and with it the whole request) would survive every
 * young-generation GC and be promoted; per request, that cost more than the
 * rest of the proxying.
 */
class LazyRequest implements DispatchRequest {
  readonly method: string;
  readonly uri: string;
  private built: Record<string, string> | undefined;

  constructor(
    readonly id: string,
    req: FrontRequest,
    readonly script: string,
    readonly pathInfo: string,
    readonly body: DispatchRequest['body'],
    private readonly build: () => Record<string, string>,
  ) {
    this.method = req.method ?? 'GET';
    this.uri = req.url ?? '/';
  }

  get server(): Record<string, string> {
    this.built ??= this.build();
    return this.built;
  }
}
let idCounter = 0;

/** The path of a request-target: everything before the query. */
function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/** Where `php()` gets the request body from: nowhere (bodiless), or Node's request stream. */
type BodySource = IncomingMessage | null;

/**
 * The request pipeline of a front process: routes (Pusher, SSE), static files,
 * then PHP (body read first, dispatch layers, the worker pool), with one
 * access-log line and one metric observation per request. Requests arrive
 * from Node's HTTP server (`handle`) or from the plain front (`answer`).
 */
export class FrontHandler implements PlainAnswerer {
  private readonly workerScriptName = 'index.php';
  /** What Node's HTTP server adds to every kept-alive response (matched by the plain front). */
  readonly keepAliveLine: string;
  private readonly keepAliveLines: string;

  constructor(private readonly deps: FrontHandlerDeps) {
    this.keepAliveLine = `Keep-Alive: timeout=${Math.floor((deps.keepAliveTimeoutMs ?? 5000) / 1000)}\r\n`;
    this.keepAliveLines = `Connection: keep-alive\r\n${this.keepAliveLine}\r\n`;
  }

  /**
   * The plain front's question, for a plain GET or HEAD: when no route claims
   * it and it is not a static file, it is answered here — a fresh cache hit at
   * once with the bytes Node's HTTP server would have sent, anything else
   * through the PHP pipeline onto a `PlainResponse`. False sends it to Node.
   */
  answer(r: SimpleRequest, connection: PlainConnection): boolean {
    const d = this.deps;
    const started = performance.now();
    const path = pathOf(r.target);
    for (const route of d.routes) {
      if (route.claims?.(path) ?? true) return false;
    }
    // Static files are served before PHP.
    if (!d.staticFiles.isNotStatic(path)) return false;
    const socket = connection.socket;
    const view = d.proxies.resolve(socket.remoteAddress ?? '', r.headers, false);
    const id = `${idPrefix}-${(++idCounter).toString(36)}`;
    if (d.fastPath) {
      const hit: FreshHit | null = d.fastPath.freshHit(r.method, r.target, r.headers, view);
      if (hit) {
        const block = statusAndHeaders(hit.status, hit.headers);
        if (block === null) return false;
        let head = block;
        const extra = hitHeaders(hit);
        for (let i = 0; i + 1 < extra.length; i += 2) head += `${extra[i] ?? ''}: ${extra[i + 1] ?? ''}\r\n`;
        head += `Date: ${httpDate(Date.now())}\r\n${this.keepAliveLines}`;
        connection.send({ head, body: r.method === 'HEAD' ? null : hit.body });
        this.logResponse(started, id, r.method, r.target, view, { status: hit.status, bytes: hit.body.length, streamed: false, error: null }, 'hit-front', 'HIT');
        return true;
      }
    }
    const req = new PlainRequest(r, socket);
    const res = connection.respond(r.method);
    this.php(req, res, null, id, view, path, started);
    return true;
  }

  private logResponse(started: number, id: string, method: string, uri: string, view: ClientView, summary: ResponseSummary, via: string, cache?: string, worker?: number): void {
    const d = this.deps;
    const ms = performance.now() - started;
    d.metrics.countResponse(summary.status, ms / 1000);
    if (d.accessLog.enabled) {
      d.accessLog.write({
        time: new Date().toISOString(),
        id,
        method,
        uri,
        status: summary.status,
        bytes: summary.bytes,
        ms: Math.round(ms * 1000) / 1000,
        remote: view.address,
        via,
        ...(cache !== undefined ? { cache } : {}),
        ...(worker !== undefined ? { worker } : {}),
        ...(summary.error ? { error: summary.error.code } : {}),
      });
    }
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const id = `${idPrefix}-${(++idCounter).toString(36)}`;
    const d = this.deps;
    const view = d.proxies.resolve(req.socket.remoteAddress ?? '', req.headers, 'encrypted' in req.socket);
    for (const route of d.routes) {
      if (route.handleRequest?.(req, res, view)) return;
    }
    const url = req.url ?? '/';
    const path = pathOf(url);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const known = d.staticFiles.cached(path);
      if (known) {
        this.serveStatic(req, res, known, id, view, started);
        return;
      }
      if (known === null || d.staticFiles.resolvePath(path) === null) {
        this.phpOrHit(req, res, id, view, path, started);
        return;
      }
      d.staticFiles.lookup(path).then(
        (entry) => {
          if (entry) this.serveStatic(req, res, entry, id, view, started);
          else this.phpOrHit(req, res, id, view, path, started);
        },
        (err: unknown) => {
          d.log.error(`static lookup failed: ${(err as Error).message}`);
          this.phpOrHit(req, res, id, view, path, started);
        },
      );
      return;
    }
    this.php(req, res, hasNoBody(req) ? null : req, id, view, path, started);
  }

  private serveStatic(req: IncomingMessage, res: ServerResponse, entry: StaticEntry, id: string, view: ClientView, started: number): void {
    const status = this.deps.staticFiles.serve(req, res, entry);
    this.logResponse(started, id, req.method ?? '', req.url ?? '/', view, { status, bytes: entry.stat.size, streamed: false, error: null }, 'static');
  }

  /** A GET or HEAD through Node's server: a fresh cache hit straight onto the response, or PHP. */
  private phpOrHit(req: IncomingMessage, res: ServerResponse, id: string, view: ClientView, path: string, started: number): void {
    const hit = this.deps.fastPath?.serveFreshHit(req, res, view);
    if (hit) {
      this.logResponse(started, id, req.method ?? '', req.url ?? '/', view, { status: hit.status, bytes: hit.bytes, streamed: false, error: null }, 'cache', 'HIT');
      return;
    }
    this.php(req, res, hasNoBody(req) ? null : req, id, view, path, started);
  }

  private php(req: FrontRequest, res: ClientResponse, bodySource: BodySource, id: string, view: ClientView, path: string, started: number): void {
    const d = this.deps;
    let cacheResult: string | undefined;
    let body: DispatchRequest['body'] = { kind: 'inline', data: Buffer.alloc(0) };
    const sink = new HttpResponseSink(res, (summary) => {
      this.logResponse(started, id, req.method ?? '', req.url ?? '/', view, summary, 'php', cacheResult, summary.workerPid);
      void releaseBody(body);
    });
    let script = this.workerScriptName;
    let pathInfo = '';
    if (d.mode === 'classic') {
      const resolved = d.scripts.resolve(path);
      if (!resolved) {
        sink.fail(new AskrError('ASKR_ERR_NOT_FOUND', `no script for ${path}`));
        return;
      }
      script = resolved.script;
      pathInfo = resolved.pathInfo;
    }
    const local = { address: req.socket.localAddress ?? '127.0.0.1', port: req.socket.localPort ?? 0 };
    const go = (): void => {
      const request = new LazyRequest(id, req, script, pathInfo, body, () => {
        const server = serverVars(req, view, local);
        // The body is read in full before dispatch, so its length is known even when
        // the client sent it chunked (nginx sets CONTENT_LENGTH the same way).
        const size = body.kind === 'inline' ? body.data.length : body.size;
        if (size > 0 || server.CONTENT_LENGTH !== undefined) server.CONTENT_LENGTH = String(size);
        return server;
      });
      const exchange: PhpExchange = {
        request,
        req,
        view,
        deadline: started + d.requestTimeoutMs,
        setCacheResult: (r) => {
          cacheResult = r;
        },
      };
      this.runLayers(0, exchange, sink);
    };
    if (bodySource === null) {
      go();
      return;
    }
    readBody(bodySource, d.maxBodySize, d.spoolDir).then(
      (b) => {
        body = b;
        go();
      },
      (err: unknown) => {
        sink.fail(err instanceof AskrError ? err : new AskrError('ASKR_ERR_BAD_REQUEST', String(err)));
        if (err instanceof AskrError && err.code === 'ASKR_ERR_BODY_TOO_LARGE') bodySource.resume();
      },
    );
  }

  private runLayers(index: number, exchange: PhpExchange, sink: ResponseSink): void {
    const layer = this.deps.layers[index];
    if (!layer) {
      this.deps.pool.dispatch(exchange.request, sink, exchange.deadline);
      return;
    }
    layer.dispatch(exchange, sink, (next) => {
      this.runLayers(index + 1, exchange, next);
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    for (const route of this.deps.routes) {
      if (route.handleUpgrade?.(req, socket, head)) return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
}
