import { createHash } from 'node:crypto';
import { hmacHex, safeEqual } from './pusher-auth.js';

/** How far `auth_timestamp` may be from the server's clock, in seconds (Pusher: 600). */
export const DEFAULT_TIMESTAMP_WINDOW = 600;

export interface SignedRequest {
  readonly method: string;
  /** `/apps/{id}/…` without any server path prefix and without the query. */
  readonly path: string;
  /** Query parameters, already URL-decoded; repeated keys joined with commas. */
  readonly query: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 401; readonly error: string };

/**
 * The string Pusher signs: `METHOD\nPATH\nk=v&…`, every query parameter except
 * `auth_signature`, keys lower-cased and sorted by byte order, values as decoded.
 */
export function stringToSign(method: string, path: string, query: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(query)
    .filter(([k]) => k.toLowerCase() !== 'auth_signature')
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return `${method.toUpperCase()}\n${path}\n${pairs.join('&')}`;
}

/**
 * Verifies a Pusher HTTP API request exactly as Pusher does: `auth_key` is the
 * app key, `auth_version` is 1.0, `auth_timestamp` is within the window,
 * `body_md5` matches a non-empty body, and `auth_signature` is the HMAC of the
 * string to sign (constant-time compare). Pure: `nowSeconds` is passed in.
 */
export function verifyApiSignature(
  request: SignedRequest,
  app: { readonly key: string; readonly secret: string },
  nowSeconds: number,
  windowSeconds = DEFAULT_TIMESTAMP_WINDOW,
): SignatureCheck {
  const q = request.query;
  const { auth_key: key, auth_timestamp: timestamp, auth_version: version, auth_signature: signature } = q;
  if (key === undefined || timestamp === undefined || version === undefined || signature === undefined) {
    return { ok: false, status: 401, error: 'auth_key, auth_timestamp, auth_version and auth_signature are required' };
  }
  if (key !== app.key) return { ok: false, status: 401, error: 'Unknown auth_key' };
  if (version !== '1.0') return { ok: false, status: 401, error: 'auth_version must be 1.0' };
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(ts)) return { ok: false, status: 401, error: 'auth_timestamp must be an integer' };
  if (Math.abs(nowSeconds - ts) > windowSeconds) {
    return { ok: false, status: 401, error: `Timestamp expired: ${Math.abs(nowSeconds - ts)} s from server time (window ${windowSeconds} s)` };
  }
  if (request.body.length > 0) {
    const md5 = createHash('md5').update(request.body).digest('hex');
    if (q.body_md5 === undefined) return { ok: false, status: 401, error: 'body_md5 is required with a body' };
    if (!safeEqual(q.body_md5, md5)) return { ok: false, status: 401, error: 'body_md5 does not match the body' };
  }
  const expected = hmacHex(app.secret, stringToSign(request.method, request.path, q));
  if (!safeEqual(signature, expected)) return { ok: false, status: 401, error: 'Invalid signature: expected HMAC-SHA256 of the request' };
  return { ok: true };
}

/** Signs a query for a request (used by tests and the PHP-free clients of this server). */
export function signQuery(
  method: string,
  path: string,
  query: Readonly<Record<string, string>>,
  app: { readonly key: string; readonly secret: string },
  body: Buffer,
  nowSeconds: number,
): Record<string, string> {
  const q: Record<string, string> = { ...query, auth_key: app.key, auth_timestamp: String(nowSeconds), auth_version: '1.0' };
  if (body.length > 0) q.body_md5 = createHash('md5').update(body).digest('hex');
  q.auth_signature = hmacHex(app.secret, stringToSign(method, path, q));
  return q;
}
