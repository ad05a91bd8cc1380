/**
 * A parser for the one kind of request the plain front answers itself: a
 * complete HTTP/1.1 GET or HEAD with an origin-form target, no body, no
 * upgrade and no header it would have to interpret. Anything else — and
 * anything it is not sure about — is `other`, and the connection goes to
 * Node's HTTP server with its bytes untouched. Being strict is what makes it
 * safe: it never has to reject a request, only to decline one.
 */

export interface SimpleRequest {
  method: 'GET' | 'HEAD';
  /** The request-target as received (origin-form). */
  target: string;
  /** Header names lowercased, values without surrounding whitespace, as Node's `req.headers`. */
  headers: Record<string, string>;
  /** [name, value, …] with names as received, as Node's `req.rawHeaders`. */
  rawHeaders: string[];
  /** Offset just past the request's blank line. */
  end: number;
}

export type ParseResult = { kind: 'request'; request: SimpleRequest } | { kind: 'incomplete' } | { kind: 'other' };

/** Longer heads go to Node (its own limit is 16 KiB and it answers 431 past it). */
export const MAX_SIMPLE_HEAD = 8 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Origin-form: printable ASCII, no spaces, no fragment.
const TARGET = /^\/[\x21-\x22\x24-\x7e]*$/;
// Field values: visible ASCII, space, tab; bytes ≥ 0x80 (obs-text) are left to Node.
const VALUE = /^[\t\x20-\x7e]*$/;
/** Headers whose presence means the request is not a plain bodiless GET. */
const DECLINED = new Set(['transfer-encoding', 'upgrade', 'expect', 'content-length', 'http2-settings']);

export function parseSimpleRequest(buf: Buffer, offset: number): ParseResult {
  const end = buf.indexOf('\r\n\r\n', offset, 'latin1');
  if (end === -1) return buf.length - offset > MAX_SIMPLE_HEAD ? { kind: 'other' } : { kind: 'incomplete' };
  if (end - offset > MAX_SIMPLE_HEAD) return { kind: 'other' };
  const lines = buf.toString('latin1', offset, end).split('\r\n');
  const requestLine = lines[0] ?? '';
  let method: 'GET' | 'HEAD';
  let rest: string;
  if (requestLine.startsWith('GET ')) {
    method = 'GET';
    rest = requestLine.slice(4);
  } else if (requestLine.startsWith('HEAD ')) {
    method = 'HEAD';
    rest = requestLine.slice(5);
  } else {
    return { kind: 'other' };
  }
  if (!rest.endsWith(' HTTP/1.1')) return { kind: 'other' };
  const target = rest.slice(0, -9);
  if (!TARGET.test(target)) return { kind: 'other' };
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'other' };
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return { kind: 'other' };
    const lower = name.toLowerCase();
    // Repeated fields have merging rules of their own in Node: leave them to it.
    if (lower in headers || DECLINED.has(lower)) return { kind: 'other' };
    const value = line.slice(colon + 1).trim();
    if (!VALUE.test(value)) return { kind: 'other' };
    if (lower === 'connection' && value.toLowerCase() !== 'keep-alive') return { kind: 'other' };
    headers[lower] = value;
    rawHeaders.push(name, value);
  }
  if (headers.host === undefined) return { kind: 'other' };
  return { kind: 'request', request: { method, target, headers, rawHeaders, end: end + 4 } };
}
