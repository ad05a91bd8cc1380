import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServeConfig } from '../config/serve-config.js';
import type { DispatchLayer, PhpExchange } from '../http/front-handler.js';
import type { Logger } from '../log/logger.js';
import type { SidecarMetrics } from '../metrics/sidecar-metrics.js';
import type { HeaderList, ResponseSink } from '../pool/response-sink.js';
import { ENVELOPE_VERSION, REDACTED, type ErrorEnvelope } from './envelope.js';
import { ErrorStore } from './error-store.js';
import { RecordingSink, type RecordedResponse } from './recording-sink.js';

const ALWAYS_REDACTED = ['cookie', 'authorization', 'proxy-authorization'];
let sequence = 0;

/**
 * `--record-errors DIR`: every response with status ≥ 500 — the app's and the
 * sidecar's own 502/504 — and every response cut short is written as an
 * envelope plus the raw request body, for `askr replay` and the admin API.
 * Credentials are redacted unless --record-unredacted.
 */
export class ErrorRecorder implements DispatchLayer {
  readonly store: ErrorStore;
  private readonly redact: Set<string>;
  private pending: Promise<void>[] = [];
  private lastPrune = 0;
  /** Where the template sees the document root (set once the template greets us). */
  templateRoot: string;
  /** The app as the template describes it (in a pod, the template's container has its own paths). */
  app: { workerScript: string | null; mode: 'worker' | 'classic' };

  constructor(
    private readonly config: ServeConfig,
    private readonly metrics: SidecarMetrics,
    private readonly log: Logger,
  ) {
    this.store = new ErrorStore(config.recordErrors ?? '', config.recordMaxFiles, config.recordMaxBytes);
    this.redact = new Set(config.recordUnredacted ? [] : [...ALWAYS_REDACTED, ...(config.recordRedact ?? []).map((h) => h.toLowerCase())]);
    this.templateRoot = config.root;
    this.app = { workerScript: config.workerScript ?? null, mode: config.mode };
  }

  dispatch(exchange: PhpExchange, sink: ResponseSink, next: (sink: ResponseSink) => void): void {
    const started = performance.now();
    next(
      new RecordingSink(sink, (response) => {
        if (response.status < 500 && response.error === null) return;
        // The client left before PHP ran: there is nothing of the app's to replay.
        if (response.error?.code === 'ASKR_ERR_CLIENT_GONE') return;
        this.record(exchange, response, performance.now() - started);
      }),
    );
  }

  /** Waits for recordings still being written. */
  async flush(): Promise<void> {
    await Promise.allSettled(this.pending);
  }

  private record(exchange: PhpExchange, response: RecordedResponse, ms: number): void {
    const id = `${Math.floor(Date.now() / 1000)}-${process.pid}-${sequence++}`;
    const req = exchange.request;
    const body = req.body;
    // The spooled body file is deleted when the response completes: take it now.
    const bodyBytes = body.kind === 'inline' ? body.data : readFileSync(body.path);
    const envelope = this.envelope(id, exchange, response, ms, bodyBytes);
    const write = this.store
      .write(envelope, bodyBytes.length > 0 ? bodyBytes : null)
      .then(async () => {
        this.metrics.recordedErrors.inc();
        this.log.info(`recorded ${response.status} ${req.method} ${req.uri} as ${id}`);
        if (Date.now() - this.lastPrune > 1000) {
          this.lastPrune = Date.now();
          await this.store.prune();
        }
      })
      .catch((err: unknown) => {
        this.log.error(`cannot record error ${id}: ${(err as Error).message}`);
      });
    this.pending.push(write);
    void write.finally(() => {
      this.pending = this.pending.filter((p) => p !== write);
    });
  }

  private envelope(id: string, exchange: PhpExchange, response: RecordedResponse, ms: number, bodyBytes: Buffer): ErrorEnvelope {
    const req = exchange.request;
    const rawHeaders = exchange.req.rawHeaders;
    const headers: HeaderList = [];
    const redacted = new Set<string>();
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i] ?? '';
      const lower = name.toLowerCase();
      if (this.redact.has(lower)) {
        redacted.add(lower);
        headers.push([name, REDACTED]);
      } else headers.push([name, rawHeaders[i + 1] ?? '']);
    }
    const server: Record<string, string> = { ...req.server, ...this.workerServerVars(req.script, req.pathInfo) };
    for (const key of Object.keys(server)) {
      const header = key.startsWith('HTTP_') ? key.slice(5).toLowerCase().replace(/_/g, '-') : null;
      if (header !== null && this.redact.has(header)) server[key] = REDACTED;
    }
    const utf8 = response.bodyStart.toString('utf8');
    const isText = Buffer.from(utf8, 'utf8').equals(response.bodyStart);
    return {
      version: ENVELOPE_VERSION,
      id,
      time: new Date().toISOString(),
      app: { root: this.templateRoot, workerScript: this.app.workerScript, mode: this.app.mode },
      request: {
        method: req.method,
        uri: req.uri,
        script: req.script,
        pathInfo: req.pathInfo,
        server,
        headers,
        body: { file: bodyBytes.length > 0 ? `${id}.body` : null, bytes: bodyBytes.length, sha256: createHash('sha256').update(bodyBytes).digest('hex') },
        redacted: [...redacted],
      },
      response: {
        status: response.status,
        headers: response.headers,
        bodyStart: isText ? utf8 : response.bodyStart.toString('base64'),
        bodyEncoding: isText ? 'utf8' : 'base64',
        bytes: response.bytes,
        truncated: response.bytes > response.bodyStart.length,
      },
      error: response.error ? { code: response.error.code, message: response.error.message } : null,
      timing: { ms: Math.round(ms * 1000) / 1000 },
      worker: { pid: response.workerPid },
    };
  }

  /** The entries the worker adds to $_SERVER (RequestReader::addServerVars). */
  private workerServerVars(script: string, pathInfo: string): Record<string, string> {
    const scriptName = '/' + script.replace(/^\/+/, '');
    const out: Record<string, string> = { DOCUMENT_ROOT: this.templateRoot, GATEWAY_INTERFACE: 'CGI/1.1' };
    if (script !== '') {
      out.SCRIPT_FILENAME = this.templateRoot + scriptName;
      out.SCRIPT_NAME = scriptName;
      out.PHP_SELF = scriptName + pathInfo;
    }
    if (pathInfo !== '') out.PATH_INFO = pathInfo;
    return out;
  }
}
