import type { HeaderList } from '../pool/response-sink.js';

/** The first line of a replay, as `askr replay` and `kubectl askr replay` print it. */
export function replayBanner(id: string, method: string, uri: string): string {
  return `↻ replaying ${id} → ${method} ${uri}`;
}

/** A replayed response as text: status line, headers, blank line, body. */
export function formatReplayedResponse(status: number, headers: HeaderList, body: Buffer | string): string {
  const lines = [`HTTP ${status}`, ...headers.map(([name, value]) => `${name}: ${value}`), ''];
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return lines.join('\n') + '\n' + text + (text.endsWith('\n') || text === '' ? '' : '\n');
}
