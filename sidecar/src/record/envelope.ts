import { AskrError } from '../errors.js';
import type { HeaderList } from '../pool/response-sink.js';

/** Version of the envelope format; replay refuses files it does not know. */
export const ENVELOPE_VERSION = 1;

/** Marker that replaces the value of a redacted header. */
export const REDACTED = '[redacted]';

/**
 * One recorded 5xx: everything needed to run the request again (the request
 * line, headers, $_SERVER and the body byte for byte, in `<id>.body`) and what
 * the client got (status, headers, the first bytes of the body).
 */
export interface ErrorEnvelope {
  version: number;
  id: string;
  time: string;
  app: { root: string; workerScript: string | null; mode: 'worker' | 'classic' };
  request: {
    method: string;
    uri: string;
    script: string;
    pathInfo: string;
    /** $_SERVER as the worker saw it (the sidecar's entries plus the worker's own). */
    server: Record<string, string>;
    headers: HeaderList;
    body: { file: string | null; bytes: number; sha256: string };
    /** Header names whose values were replaced by "[redacted]". */
    redacted: string[];
  };
  response: {
    status: number;
    headers: HeaderList;
    bodyStart: string;
    bodyEncoding: 'utf8' | 'base64';
    bytes: number;
    truncated: boolean;
  };
  error: { code: string; message: string } | null;
  timing: { ms: number };
  worker: { pid: number | null };
}

/** The summary the listing endpoint returns. */
export interface ErrorSummary {
  id: string;
  time: string;
  method: string;
  uri: string;
  status: number;
  error: string | null;
}

export function summarize(e: ErrorEnvelope): ErrorSummary {
  return { id: e.id, time: e.time, method: e.request.method, uri: e.request.uri, status: e.response.status, error: e.error?.code ?? null };
}

const ID_PATTERN = /^\d{1,12}-\d{1,10}-\d{1,10}$/;

export function isEnvelopeId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Checks a parsed file; throws ASKR_ERR_REPLAY naming what is wrong. */
export function validateEnvelope(value: unknown, source: string): ErrorEnvelope {
  const fail = (why: string): never => {
    throw new AskrError('ASKR_ERR_REPLAY', `${source} is not an Askr error recording: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not a JSON object');
  const e = value as Partial<ErrorEnvelope>;
  if (e.version !== ENVELOPE_VERSION) return fail(`unknown version ${String(e.version)} (this askr reads ${ENVELOPE_VERSION})`);
  if (typeof e.id !== 'string' || !isEnvelopeId(e.id)) return fail('missing or bad "id"');
  const r = e.request;
  if (!r || typeof r.method !== 'string' || typeof r.uri !== 'string' || typeof r.server !== 'object' || !Array.isArray(r.headers)) {
    return fail('missing "request" fields (method, uri, server, headers)');
  }
  if (typeof r.body !== 'object' || typeof r.body.bytes !== 'number') return fail('missing "request.body"');
  if (!e.response || typeof e.response.status !== 'number') return fail('missing "response.status"');
  return e as ErrorEnvelope;
}
