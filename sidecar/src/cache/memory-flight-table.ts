import type { ClaimResult, FlightOutcome, FlightState, FlightTable, FlightTicket } from './flight-table.js';
import { ownerAlive, selfIdentity, type ProcessIdentity } from './shm-mutex.js';

interface Claim {
  key: string;
  epoch: number;
  state: 'pending' | FlightOutcome;
  owner: ProcessIdentity;
  deadline: number;
}

/**
 * The reference flight table for one process: the same contract as the
 * shared-memory table, with `capacity` claims at most (so "no coalescing when
 * full" can be tested) and an injectable liveness probe.
 */
export class MemoryFlightTable implements FlightTable {
  private readonly slots: (Claim | undefined)[];
  private readonly isAlive: (owner: ProcessIdentity) => boolean;
  private readonly me: ProcessIdentity;

  constructor(capacity = 4096, isAlive: (owner: ProcessIdentity) => boolean = ownerAlive, me: ProcessIdentity = selfIdentity()) {
    this.slots = new Array<Claim | undefined>(capacity).fill(undefined);
    this.isAlive = isAlive;
    this.me = me;
  }

  private live(c: Claim, now: number): boolean {
    return now <= c.deadline && ((c.owner.pid === this.me.pid && c.owner.start === this.me.start) || this.isAlive(c.owner));
  }

  claim(key: string, deadline: number, now: number, owner: ProcessIdentity = this.me): ClaimResult {
    let target = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c?.key === key && c.state === 'pending') {
        if (this.live(c, now)) return { role: 'follower', ticket: { slot: i, epoch: c.epoch } };
        target = i;
        break;
      }
      if (target < 0 && (!c || c.state !== 'pending' || !this.live(c, now))) target = i;
    }
    if (target < 0) return { role: 'none' };
    const epoch = (this.slots[target]?.epoch ?? 0) + 1;
    this.slots[target] = { key, epoch, state: 'pending', owner, deadline };
    return { role: 'leader', ticket: { slot: target, epoch } };
  }

  release(ticket: FlightTicket, outcome: FlightOutcome): boolean {
    const c = this.slots[ticket.slot];
    if (c?.epoch !== ticket.epoch || c.state !== 'pending') return false;
    c.state = outcome;
    return true;
  }

  inspect(ticket: FlightTicket, now: number): FlightState {
    const c = this.slots[ticket.slot];
    if (c?.epoch !== ticket.epoch) return 'gone';
    if (c.state === 'pending') return this.live(c, now) ? 'pending' : 'orphaned';
    return c.state;
  }
}
