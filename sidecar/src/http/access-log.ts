import { createWriteStream, type WriteStream } from 'node:fs';

/** One line of the access log. */
export interface AccessEntry {
  time: string;
  id: string;
  method: string;
  uri: string;
  status: number;
  bytes: number;
  ms: number;
  remote: string;
  /** static | php | cache | pusher | sse | error */
  via: string;
  cache?: string;
  worker?: number;
  error?: string;
}

/**
 * One JSON object per request and line (`--access-log stdout|stderr|off|PATH`).
 * Lines are batched and written every few milliseconds: a synchronous write per
 * request would cost more than the request at high rates.
 */
export class AccessLog {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly out: ((text: string) => void) | null;
  private file: WriteStream | null = null;

  constructor(target: string) {
    if (target === 'off') this.out = null;
    else if (target === 'stdout') this.out = (t) => process.stdout.write(t);
    else if (target === 'stderr') this.out = (t) => process.stderr.write(t);
    else {
      const file = createWriteStream(target, { flags: 'a' });
      this.file = file;
      this.out = (t) => file.write(t);
    }
  }

  get enabled(): boolean {
    return this.out !== null;
  }

  write(entry: AccessEntry): void {
    if (!this.out) return;
    this.lines.push(JSON.stringify(entry));
    if (this.lines.length >= 256) this.flush();
    else this.timer ??= setTimeout(() => {
      this.flush();
    }, 5);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.lines.length === 0 || !this.out) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    this.out(text);
  }

  close(): void {
    this.flush();
    this.file?.end();
  }
}
