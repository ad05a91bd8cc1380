import { createWriteStream, promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { AskrError } from '../errors.js';
import type { DispatchRequest } from '../pool/response-sink.js';

const INLINE_LIMIT = 64 * 1024;
let spoolCounter = 0;

/** True when the request announces no body at all (the fast path: no await). */
export function hasNoBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  return te === undefined && (cl === undefined || cl === '0');
}

/**
 * Reads the whole request body before a worker is involved, so that a slow
 * client never holds a PHP worker (nginx's request buffering): up to 64 KiB in
 * memory, beyond that spooled to a file in the run dir. Past `maxBytes` it
 * rejects with ASKR_ERR_BODY_TOO_LARGE (413) — at once when Content-Length says
 * so, otherwise as soon as the count passes it.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, spoolDir: string): Promise<DispatchRequest['body']> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new AskrError('ASKR_ERR_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds --max-body-size (${maxBytes})`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let file: { path: string; stream: ReturnType<typeof createWriteStream> } | null = null;
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) {
        throw new AskrError('ASKR_ERR_BODY_TOO_LARGE', `request body exceeds --max-body-size (${maxBytes})`);
      }
      if (file) {
        if (!file.stream.write(buf)) {
          const stream = file.stream;
          await new Promise<void>((r) => stream.once('drain', () => { r(); }));
        }
        continue;
      }
      chunks.push(buf);
      if (size > INLINE_LIMIT) {
        const path = join(spoolDir, `body-${process.pid}-${++spoolCounter}`);
        file = { path, stream: createWriteStream(path, { mode: 0o600 }) };
        for (const c of chunks.splice(0)) file.stream.write(c);
      }
    }
  } catch (err) {
    if (file) {
      file.stream.destroy();
      await fs.rm(file.path, { force: true });
    }
    if (err instanceof AskrError) throw err;
    throw new AskrError('ASKR_ERR_BAD_REQUEST', `the client stopped sending the request body: ${(err as Error).message}`, { cause: err });
  }
  if (!file) return { kind: 'inline', data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) };
  const { path, stream } = file;
  await new Promise<void>((resolve, reject) => {
    stream.end(() => {
      resolve();
    });
    stream.once('error', reject);
  });
  return { kind: 'file', path, size };
}

/** Reads a body back in full (error recording, replay); spooled files are read from disk. */
export async function bodyBytes(body: DispatchRequest['body']): Promise<Buffer> {
  return body.kind === 'inline' ? body.data : await fs.readFile(body.path);
}

export async function releaseBody(body: DispatchRequest['body']): Promise<void> {
  if (body.kind === 'file') await fs.rm(body.path, { force: true });
}
