import { AskrError } from '../errors.js';

/** Tells whether a process id is alive (signal 0 probes without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RingLockOptions {
  /** Value written into the lock word while held: this process's pid. */
  readonly owner: number;
  /** How long to spin on a live owner before giving up, in ms. */
  readonly timeoutMs?: number;
  /** Liveness probe; replaceable so a test can declare an owner dead. */
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * A cross-process spin lock in one 32-bit word of shared memory. The word holds
 * the owner's pid, so a waiter that finds the owner dead (SIGKILL at any
 * instruction) takes the lock over with a compare-and-swap; exactly one waiter
 * wins. Critical sections are a few microseconds of memcpy, so spinning beats
 * sleeping (and `Atomics.wait` needs a SharedArrayBuffer, which a mapping is not).
 */
export class RingLock {
  private readonly words: Int32Array;
  private readonly index: number;
  private readonly owner: number;
  private readonly timeoutMs: number;
  private readonly isAlive: (pid: number) => boolean;
  /** Times this process broke a lock left by a dead owner. */
  broken = 0;

  constructor(words: Int32Array, index: number, options: RingLockOptions) {
    if (options.owner <= 0) throw new RangeError('lock owner must be a positive pid');
    this.words = words;
    this.index = index;
    this.owner = options.owner;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.isAlive = options.isAlive ?? pidAlive;
  }

  /**
   * Takes the lock, spinning while a live process holds it.
   * @throws AskrError ASKR_ERR_SHM when a live owner holds it past the timeout.
   */
  acquire(): void {
    let spins = 0;
    let deadline = 0;
    for (;;) {
      const seen = Atomics.compareExchange(this.words, this.index, 0, this.owner);
      if (seen === 0) return;
      spins++;
      // Probing liveness is a syscall: do it only once the spin has lasted a while.
      if ((spins & 0x3ff) !== 0) continue;
      if (!this.isAlive(seen)) {
        if (Atomics.compareExchange(this.words, this.index, seen, this.owner) === seen) {
          this.broken++;
          return;
        }
        continue;
      }
      const now = Date.now();
      if (deadline === 0) deadline = now + this.timeoutMs;
      else if (now > deadline) {
        throw new AskrError('ASKR_ERR_SHM', `broadcast ring lock held by live pid ${seen} for over ${this.timeoutMs} ms`);
      }
    }
  }

  /** Releases the lock; a no-op if it was broken and taken by someone else meanwhile. */
  release(): void {
    Atomics.compareExchange(this.words, this.index, this.owner, 0);
  }

  /** Current holder's pid, 0 when free. */
  holder(): number {
    return Atomics.load(this.words, this.index);
  }
}
