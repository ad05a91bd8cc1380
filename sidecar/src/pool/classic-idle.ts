import type { PhpWorker } from './php-worker.js';

/**
 * Idle classic-mode processes, in two kinds: fresh ones (forked, never used)
 * that may run any script, and reused ones that may only run scripts known to
 * leave nothing behind (the PHP side reports them eligible after running them).
 */
export class ClassicIdle {
  private readonly fresh: PhpWorker[] = [];
  private readonly reused: PhpWorker[] = [];
  private readonly eligible = new Set<string>();

  get freshCount(): number {
    return this.fresh.length;
  }

  get reusedCount(): number {
    return this.reused.length;
  }

  get size(): number {
    return this.fresh.length + this.reused.length;
  }

  isEligible(script: string): boolean {
    return this.eligible.has(script);
  }

  markEligible(script: string): void {
    this.eligible.add(script);
  }

  markIneligible(script: string): void {
    this.eligible.delete(script);
  }

  add(worker: PhpWorker): void {
    (worker.requests > 0 ? this.reused : this.fresh).push(worker);
  }

  /** A process for this script: a reused one when allowed (it keeps forks off the path), else a fresh one. */
  take(script: string): PhpWorker | undefined {
    if (this.eligible.has(script)) {
      const w = this.reused.pop();
      if (w) return w;
    }
    return this.fresh.pop();
  }

  /** The reused process idle the longest, to make room for a fresh one. */
  takeOldestReused(): PhpWorker | undefined {
    return this.reused.shift();
  }

  /** Reused processes idle since before `before` (performance.now()), removed. */
  takeIdleSince(before: number): PhpWorker[] {
    const out: PhpWorker[] = [];
    while (this.reused.length > 0 && (this.reused[0]?.idleSince ?? Infinity) < before) {
      const w = this.reused.shift();
      if (w) out.push(w);
    }
    return out;
  }

  remove(worker: PhpWorker): void {
    for (const list of [this.fresh, this.reused]) {
      const i = list.indexOf(worker);
      if (i !== -1) list.splice(i, 1);
    }
  }
}
