import { RING_PROC_SLOTS, ringOffsets as O } from './broadcast-regions.js';
import { pidAlive } from './ring-lock.js';

/** A front process as the table records it. */
export interface ProcSlot {
  readonly procIndex: number;
  readonly pid: number;
  readonly incarnation: number;
  /** Last heartbeat, ms since the epoch. */
  readonly heartbeat: number;
}

/**
 * The table of front processes in the ring header: one slot per `--http-procs`
 * index holding pid, incarnation and a heartbeat. A process claims its slot at
 * start (bumping the incarnation) and clears it on a clean exit; any process
 * that finds a slot whose pid is dead clears it with a compare-and-swap, and
 * the one that wins reports it, so a dead process's state is removed once.
 */
export class ProcTable {
  private readonly words: Int32Array;
  private readonly longs: BigInt64Array;
  private readonly isAlive: (pid: number) => boolean;

  constructor(region: Buffer, isAlive: (pid: number) => boolean = pidAlive) {
    this.words = new Int32Array(region.buffer, region.byteOffset, (O.procTable + RING_PROC_SLOTS * O.procSlotSize) >> 2);
    this.longs = new BigInt64Array(region.buffer, region.byteOffset, (O.procTable + RING_PROC_SLOTS * O.procSlotSize) >> 3);
    this.isAlive = isAlive;
  }

  private base(procIndex: number): number {
    if (!Number.isInteger(procIndex) || procIndex < 0 || procIndex >= RING_PROC_SLOTS) throw new RangeError(`front process index ${procIndex} out of range`);
    return O.procTable + procIndex * O.procSlotSize;
  }

  /** Reads one slot; pid 0 means free. */
  read(procIndex: number): ProcSlot {
    const b = this.base(procIndex);
    return {
      procIndex,
      pid: Atomics.load(this.words, (b + O.slotPid) >> 2),
      incarnation: Atomics.load(this.words, (b + O.slotIncarnation) >> 2),
      heartbeat: Number(Atomics.load(this.longs, (b + O.slotHeartbeat) >> 3)),
    };
  }

  /**
   * Claims a slot for this process and returns the new incarnation, plus the
   * previous occupant if one was still registered (it died without clearing).
   */
  claim(procIndex: number, pid: number, now: number): { incarnation: number; previous: ProcSlot | undefined } {
    const b = this.base(procIndex);
    const before = this.read(procIndex);
    const incarnation = Atomics.add(this.words, (b + O.slotIncarnation) >> 2, 1) + 1;
    Atomics.store(this.longs, (b + O.slotHeartbeat) >> 3, BigInt(now));
    Atomics.store(this.words, (b + O.slotPid) >> 2, pid);
    return { incarnation, previous: before.pid !== 0 ? before : undefined };
  }

  /** Refreshes this process's heartbeat. */
  beat(procIndex: number, now: number): void {
    Atomics.store(this.longs, (this.base(procIndex) + O.slotHeartbeat) >> 3, BigInt(now));
  }

  /** Clears a slot if it still holds `incarnation`; true when this call cleared it. */
  release(procIndex: number, incarnation: number): boolean {
    const b = this.base(procIndex);
    const slot = this.read(procIndex);
    if (slot.pid === 0 || slot.incarnation !== incarnation) return false;
    return Atomics.compareExchange(this.words, (b + O.slotPid) >> 2, slot.pid, 0) === slot.pid;
  }

  /** Occupied slots. */
  live(): ProcSlot[] {
    const out: ProcSlot[] = [];
    for (let i = 0; i < RING_PROC_SLOTS; i++) {
      const s = this.read(i);
      if (s.pid !== 0) out.push(s);
    }
    return out;
  }

  /**
   * Clears every slot whose pid is dead and returns the ones this call cleared
   * (a concurrent sweeper in another process gets the others).
   */
  sweep(except: number): ProcSlot[] {
    const cleared: ProcSlot[] = [];
    for (const slot of this.live()) {
      if (slot.procIndex === except || this.isAlive(slot.pid)) continue;
      if (this.release(slot.procIndex, slot.incarnation)) cleared.push(slot);
    }
    return cleared;
  }
}
