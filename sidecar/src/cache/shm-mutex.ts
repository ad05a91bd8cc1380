import { readFileSync } from 'node:fs';
import { M } from './cache-layout.js';

/** A process as a lock owner: pid plus kernel start time, which defeats pid reuse. */
export interface ProcessIdentity {
  readonly pid: number;
  /** `/proc/<pid>/stat` field 22 (clock ticks since boot), low 31 bits; 0 when unknown. */
  readonly start: number;
}

/** Start time of a process, or 0 when it cannot be read (not Linux, or gone). */
export function processStart(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19] ?? 0) % 0x7fffffff;
  } catch {
    return 0;
  }
}

let self: ProcessIdentity | undefined;

/** This process's identity (cached). */
export function selfIdentity(): ProcessIdentity {
  self ??= { pid: process.pid, start: processStart(process.pid) };
  return self;
}

/** True while `owner` runs: the pid exists and, when known, has the same start time. */
export function ownerAlive(owner: ProcessIdentity): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it exists but is someone else's.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start === 0) return true;
  const now = processStart(owner.pid);
  return now === 0 || now === owner.start;
}

export type LockResult = 'acquired' | 'recovered' | 'busy';

/**
 * The store's writer lock: one word in shared memory holding the owner's pid,
 * with its start time beside it. Spins briefly (critical sections are
 * microseconds of memcpy); a waiter that finds the owner dead takes the word
 * over with compare-and-swap and gets `recovered`, which obliges it to repair
 * the store before doing anything else. A live owner is never broken.
 */
export class ShmMutex {
  private readonly meta: Int32Array;
  private readonly metaF64: Float64Array;
  private readonly me: ProcessIdentity;
  private readonly isAlive: (owner: ProcessIdentity) => boolean;
  /** Times this process took the lock over from a dead owner. */
  recovered = 0;

  constructor(meta: Int32Array, metaF64: Float64Array, me: ProcessIdentity = selfIdentity(), isAlive = ownerAlive) {
    if (me.pid <= 0) throw new RangeError('lock owner must be a positive pid');
    this.meta = meta;
    this.metaF64 = metaF64;
    this.me = me;
    this.isAlive = isAlive;
  }

  /**
   * Tries to take the lock, spinning up to `spins` times on a live owner.
   * `recovered` means the previous owner died holding it.
   */
  tryAcquire(spins = 4096): LockResult {
    for (let i = 0; ; i++) {
      const seen = Atomics.compareExchange(this.meta, M.lock, 0, this.me.pid);
      if (seen === 0) {
        this.mark();
        return 'acquired';
      }
      // Checking liveness is a syscall: only after a short spin, and at the end.
      if (i === 64 || i >= spins) {
        const owner = this.owner(seen);
        if (owner && !this.isAlive(owner) && Atomics.compareExchange(this.meta, M.lock, seen, this.me.pid) === seen) {
          this.mark();
          this.recovered++;
          return 'recovered';
        }
        if (i >= spins) return 'busy';
      }
    }
  }

  /** Releases the lock if this process holds it. */
  release(): void {
    Atomics.compareExchange(this.meta, M.lock, this.me.pid, 0);
  }

  /** Pid of the holder, 0 when free. */
  holder(): number {
    return Atomics.load(this.meta, M.lock);
  }

  /** How long the current holder has held it, ms (0 when free). */
  heldFor(now: number): number {
    return this.holder() === 0 ? 0 : now - (this.metaF64[M.lockSinceF64] ?? 0);
  }

  private mark(): void {
    Atomics.store(this.meta, M.lockStartPid, this.me.pid);
    Atomics.store(this.meta, M.lockStart, this.me.start);
    this.metaF64[M.lockSinceF64] = Date.now();
  }

  /** The owner of a lock word seen as `pid`; undefined if it changed meanwhile. */
  private owner(pid: number): ProcessIdentity | undefined {
    // Our own pid in the word cannot be us (critical sections are synchronous):
    // it is an earlier process that had the same pid and died.
    if (pid === this.me.pid) return { pid, start: -1 };
    const startPid = Atomics.load(this.meta, M.lockStartPid);
    const start = Atomics.load(this.meta, M.lockStart);
    if (Atomics.load(this.meta, M.lock) !== pid) return undefined;
    return { pid, start: startPid === pid ? start : 0 };
  }
}
