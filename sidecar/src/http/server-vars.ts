import type { FrontRequest } from './front-request.js';
import type { ClientView } from './trusted-proxies.js';

/**
 * The $_SERVER entries the sidecar knows, as PHP-FPM behind nginx would get
 * them (fastcgi_params): request line, headers as HTTP_*, peer and server
 * addresses, HTTPS. The worker adds the script and time entries.
 */
export function serverVars(req: FrontRequest, view: ClientView, local: { address: string; port: number }): Record<string, string> {
  const uri = req.url ?? '/';
  const q = uri.indexOf('?');
  const hostHeader = view.host ?? req.headers.host ?? '';
  const { name, port } = splitHost(hostHeader);
  const server: Record<string, string> = {
    REQUEST_METHOD: req.method ?? 'GET',
    REQUEST_URI: uri,
    QUERY_STRING: q === -1 ? '' : uri.slice(q + 1),
    DOCUMENT_URI: decodePath(q === -1 ? uri : uri.slice(0, q)),
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_SCHEME: view.proto,
    REMOTE_ADDR: view.address,
    REMOTE_PORT: String(req.socket.remotePort ?? ''),
    SERVER_ADDR: local.address,
    SERVER_PORT: view.port ?? port ?? (view.host ? (view.proto === 'https' ? '443' : '80') : String(local.port)),
    SERVER_NAME: name || local.address,
    SERVER_SOFTWARE: 'askr',
  };
  if (view.proto === 'https') server.HTTPS = 'on';
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = header.toLowerCase();
    if (lower === 'content-type') {
      server.CONTENT_TYPE = value;
      continue;
    }
    if (lower === 'content-length') {
      server.CONTENT_LENGTH = value;
      continue;
    }
    // Headers with other characters than letters, digits and dashes are dropped,
    // as nginx does, so that "X_Forwarded_For" cannot pose as "X-Forwarded-For".
    const key = cgiName(header);
    if (key === null) continue;
    const existing = server[key];
    server[key] = existing === undefined ? value : `${existing}${lower === 'cookie' ? '; ' : ', '}${value}`;
  }
  if (view.host !== undefined) server.HTTP_HOST = view.host;
  return server;
}

const cgiNames = new Map<string, string | null>();

/** "Accept-Encoding" → "HTTP_ACCEPT_ENCODING", or null for names nginx would drop. Memoised. */
function cgiName(header: string): string | null {
  let name = cgiNames.get(header);
  if (name !== undefined) return name;
  name = /^[A-Za-z0-9-]+$/.test(header) ? 'HTTP_' + header.toUpperCase().replace(/-/g, '_') : null;
  if (cgiNames.size < 1024) cgiNames.set(header, name);
  return name;
}

function splitHost(host: string): { name: string; port: string | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return { name: (m?.[1] ?? host).toLowerCase(), port: m?.[2] };
}

function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
