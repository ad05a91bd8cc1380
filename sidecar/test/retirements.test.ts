import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerState } from '../src/pool/php-worker.js';
import { Retirements, type Retiree } from '../src/pool/retirements.js';

function worker(state: WorkerState = 'idle', stopPending = false): Retiree {
  return { state, stopPending };
}

describe('Retirements (make-before-break recycling)', () => {
  it('a newcomer replaces the worker that has waited longest, once', () => {
    const r = new Retirements<Retiree>();
    const a = worker();
    const b = worker('busy');
    r.add(a, 'max-requests', 10);
    r.add(b, 'max-memory', 20);
    r.add(a, 'max-requests', 30);
    assert.equal(r.size, 2, 'a worker waits for one replacement only');
    assert.deepEqual(r.takeNext(), { worker: a, reason: 'max-requests', since: 10 });
    assert.equal(r.takeNext()?.worker, b);
    assert.equal(r.takeNext(), undefined);
  });

  it('skips workers already told to stop or dead: the newcomer goes to the next one', () => {
    const r = new Retirements<Retiree>();
    const stopped = worker('busy', true);
    const dead = worker('dead');
    const waiting = worker();
    r.add(stopped, 'max-requests', 1);
    r.add(dead, 'max-requests', 2);
    r.add(waiting, 'max-requests', 3);
    assert.equal(r.takeNext()?.worker, waiting);
    assert.equal(r.size, 0);
  });

  it('gives up on replacements that did not come in time, oldest first, and forgets removed workers', () => {
    const r = new Retirements<Retiree>();
    const old = worker();
    const young = worker();
    const gone = worker();
    r.add(gone, 'max-requests', 0);
    r.add(old, 'max-requests', 100);
    r.add(young, 'max-memory', 900);
    r.remove(gone);
    assert.equal(r.has(gone), false);
    assert.deepEqual(r.takeOverdue(1000, 500).map((x) => x.worker), [old]);
    assert.equal(r.has(young), true);
    assert.deepEqual(r.takeOverdue(1400, 500).map((x) => x.worker), [young]);
  });
});
