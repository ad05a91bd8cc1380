import { AskrError } from '../errors.js';
import { MAX_PAYLOAD } from './frame-types.js';

/** One frame: its type and payload (a view into the decoder's buffer; copy to keep it). */
export interface Frame {
  type: number;
  payload: Buffer;
}

/** Encodes a frame: type (u8), payload length (u32 big-endian), payload. */
export function encodeFrame(type: number, payload: Buffer | string = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

export function encodeJsonFrame(type: number, data: unknown): Buffer {
  return encodeFrame(type, JSON.stringify(data));
}

/**
 * A frame whose payload is a JSON head then raw bytes (REQUEST, RESP_FULL):
 * u32 head length, head, body. Built in one allocation.
 */
export function encodeHeadAndBody(type: number, head: unknown, body?: Buffer): Buffer {
  const json = JSON.stringify(head);
  const headLen = Buffer.byteLength(json);
  const bodyLen = body ? body.length : 0;
  const out = Buffer.allocUnsafe(9 + headLen + bodyLen);
  out[0] = type;
  out.writeUInt32BE(4 + headLen + bodyLen, 1);
  out.writeUInt32BE(headLen, 5);
  out.write(json, 9, 'utf8');
  if (body) body.copy(out, 9 + headLen);
  return out;
}

export function decodeHeadAndBody(payload: Buffer): { head: unknown; body: Buffer } {
  if (payload.length < 4) throw new AskrError('ASKR_ERR_PROTOCOL', 'head+body payload shorter than its length prefix');
  const headLen = payload.readUInt32BE(0);
  if (headLen > payload.length - 4) throw new AskrError('ASKR_ERR_PROTOCOL', 'head length beyond the payload');
  return { head: parseJson(payload.subarray(4, 4 + headLen)), body: payload.subarray(4 + headLen) };
}

export function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.length === 0 ? '{}' : payload.toString('utf8')) as unknown;
  } catch (err) {
    throw new AskrError('ASKR_ERR_PROTOCOL', `invalid JSON payload: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Incremental decoder for a byte stream. Feed it chunks as they arrive; it calls
 * `onFrame` for every complete frame, in order. A frame announcing more than
 * MAX_PAYLOAD bytes throws ASKR_ERR_PROTOCOL (the caller closes the connection).
 */
export class FrameDecoder {
  private pending: Buffer | null = null;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let offset = 0;
    while (buf.length - offset >= 5) {
      const length = buf.readUInt32BE(offset + 1);
      if (length > MAX_PAYLOAD) throw new AskrError('ASKR_ERR_PROTOCOL', `frame of ${length} bytes exceeds the 16 MiB limit`);
      if (buf.length - offset - 5 < length) break;
      const type = buf[offset] ?? 0;
      const payload = buf.subarray(offset + 5, offset + 5 + length);
      offset += 5 + length;
      this.onFrame({ type, payload });
    }
    if (offset < buf.length) {
      // Keep only the unread tail; copy so the big chunk it came from can be freed.
      buf = buf.subarray(offset);
      this.pending = offset === 0 ? buf : Buffer.from(buf);
    }
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }
}
