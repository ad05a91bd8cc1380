import { STATUS_CODES } from 'node:http';

let dateSecond = -1;
let dateText = '';

/** The Date header's value, formatted once per second (as Node's HTTP server does). */
export function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

// Node's own checks on outgoing headers, so the plain front never sends what Node would refuse.
const HEADER_NAME = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Whether Node's HTTP server would send this header line (it throws otherwise). */
export function isSendableHeader(name: string, value: string): boolean {
  return HEADER_NAME.test(name) && HEADER_VALUE.test(value);
}

/** `HTTP/1.1 <status> <reason>` and its CRLF, as Node writes it. */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
}

const headBlocks = new WeakMap<readonly string[], string | null>();

/**
 * The status line and the stored headers of a cache entry, each line ending in
 * CRLF; memoised per stored header list. Null when a name or value is one Node
 * would refuse to send.
 */
export function statusAndHeaders(status: number, headers: readonly string[]): string | null {
  let block = headBlocks.get(headers);
  if (block !== undefined) return block;
  block = statusLine(status);
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] ?? '';
    const value = headers[i + 1] ?? '';
    if (!isSendableHeader(name, value)) {
      block = null;
      break;
    }
    block += `${name}: ${value}\r\n`;
  }
  headBlocks.set(headers, block);
  return block;
}
