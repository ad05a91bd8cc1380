import { promises as fs, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AskrError } from '../errors.js';
import { isEnvelopeId, summarize, validateEnvelope, type ErrorEnvelope, type ErrorSummary } from './envelope.js';

/**
 * The directory of recordings: `<id>.json` (0600) plus `<id>.body`, kept within
 * a count and a byte budget by deleting the oldest. Ids start with the unix
 * second, so name order is age order.
 */
export class ErrorStore {
  constructor(
    readonly dir: string,
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  async write(envelope: ErrorEnvelope, body: Buffer | { linkFrom: string } | null): Promise<void> {
    if (body !== null && envelope.request.body.file !== null) {
      const target = join(this.dir, envelope.request.body.file);
      if (Buffer.isBuffer(body)) await fs.writeFile(target, body, { mode: 0o600 });
      else {
        try {
          await fs.link(body.linkFrom, target);
        } catch {
          await fs.copyFile(body.linkFrom, target);
        }
        await fs.chmod(target, 0o600);
      }
    }
    // Written to a temp name then renamed: a reader never sees half an envelope.
    const tmp = join(this.dir, `.${envelope.id}.json.tmp`);
    await fs.writeFile(tmp, JSON.stringify(envelope, null, 1) + '\n', { mode: 0o600 });
    await fs.rename(tmp, join(this.dir, `${envelope.id}.json`));
  }

  /** Deletes the oldest recordings past the count and byte budgets. */
  async prune(): Promise<number> {
    const entries = await this.entries();
    let total = entries.reduce((s, e) => s + e.bytes, 0);
    let count = entries.length;
    let removed = 0;
    for (const e of entries) {
      if (count <= this.maxFiles && total <= this.maxBytes) break;
      await fs.rm(join(this.dir, `${e.id}.json`), { force: true });
      await fs.rm(join(this.dir, `${e.id}.body`), { force: true });
      count--;
      total -= e.bytes;
      removed++;
    }
    return removed;
  }

  /** Summaries, newest first. */
  async list(limit = 1000): Promise<ErrorSummary[]> {
    const ids = (await this.entries()).map((e) => e.id).reverse().slice(0, limit);
    const out: ErrorSummary[] = [];
    for (const id of ids) {
      const e = await this.read(id).catch(() => null);
      if (e) out.push(summarize(e));
    }
    return out;
  }

  async read(id: string): Promise<ErrorEnvelope> {
    if (!isEnvelopeId(id)) throw new AskrError('ASKR_ERR_NOT_FOUND', `no recorded error "${id}"`);
    let text: string;
    try {
      text = await fs.readFile(join(this.dir, `${id}.json`), 'utf8');
    } catch {
      throw new AskrError('ASKR_ERR_NOT_FOUND', `no recorded error "${id}"`);
    }
    return validateEnvelope(JSON.parse(text) as unknown, `${id}.json`);
  }

  bodyPath(envelope: ErrorEnvelope): string | null {
    return envelope.request.body.file === null ? null : join(this.dir, envelope.request.body.file);
  }

  private async entries(): Promise<{ id: string; bytes: number }[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const ids = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5)).filter(isEnvelopeId);
    ids.sort((a, b) => compareIds(a, b));
    const out: { id: string; bytes: number }[] = [];
    for (const id of ids) {
      let bytes = 0;
      for (const suffix of ['.json', '.body']) {
        const st = await fs.stat(join(this.dir, id + suffix)).catch(() => null);
        bytes += st?.size ?? 0;
      }
      out.push({ id, bytes });
    }
    return out;
  }
}

/** Orders ids by time, then pid, then sequence (numerically). */
export function compareIds(a: string, b: string): number {
  const pa = a.split('-').map(Number);
  const pb = b.split('-').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
