import type { DispatchRequest, ResponseSink } from './response-sink.js';

/** A request waiting for a worker. */
export interface QueuedRequest {
  request: DispatchRequest;
  sink: ResponseSink;
  /** performance.now() past which the request times out (queue time counts). */
  deadline: number;
  enqueuedAt: number;
}

/**
 * A bounded FIFO of requests waiting for a worker. Amortised O(1) push and
 * shift; removal of expired entries happens from the front only, since the
 * oldest entries expire first (every request has the same timeout).
 */
export class RequestQueue {
  private items: (QueuedRequest | undefined)[] = [];
  private head = 0;

  constructor(readonly limit: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.length >= this.limit;
  }

  push(item: QueuedRequest): void {
    this.items.push(item);
  }

  shift(): QueuedRequest | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Puts a request back at the front (a process declined it). */
  unshift(item: QueuedRequest): void {
    if (this.head > 0) {
      this.head--;
      this.items[this.head] = item;
    } else {
      this.items.unshift(item);
    }
  }

  /** Removes and returns the first of the first `limit` requests that `match` accepts. */
  takeFirst(match: (item: QueuedRequest) => boolean, limit: number): QueuedRequest | undefined {
    const end = Math.min(this.items.length, this.head + limit);
    for (let i = this.head; i < end; i++) {
      const item = this.items[i];
      if (item && match(item)) {
        if (i === this.head) return this.shift();
        this.items.splice(i, 1);
        return item;
      }
    }
    return undefined;
  }

  /** How many of the first `limit` requests `match` accepts. */
  count(match: (item: QueuedRequest) => boolean, limit: number): number {
    let n = 0;
    const end = Math.min(this.items.length, this.head + limit);
    for (let i = this.head; i < end; i++) {
      const item = this.items[i];
      if (item && match(item)) n++;
    }
    return n;
  }

  peek(): QueuedRequest | undefined {
    return this.items[this.head];
  }

  /** Removes and returns every request whose deadline is at or before `now`. */
  expire(now: number): QueuedRequest[] {
    const out: QueuedRequest[] = [];
    for (;;) {
      const first = this.peek();
      if (first?.deadline === undefined || first.deadline > now) break;
      out.push(first);
      this.shift();
    }
    return out;
  }

  /** Removes and returns every request that `match` accepts, keeping the others in order. */
  removeWhere(match: (item: QueuedRequest) => boolean): QueuedRequest[] {
    const out: QueuedRequest[] = [];
    const kept: (QueuedRequest | undefined)[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (!item) continue;
      if (match(item)) out.push(item);
      else kept.push(item);
    }
    if (out.length > 0) {
      this.items = kept;
      this.head = 0;
    }
    return out;
  }

  /** Empties the queue, returning what was in it. */
  drain(): QueuedRequest[] {
    const out: QueuedRequest[] = [];
    for (let item = this.shift(); item; item = this.shift()) out.push(item);
    return out;
  }
}
