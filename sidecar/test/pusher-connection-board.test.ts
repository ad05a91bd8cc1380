import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONNECTION_REGION, ConnectionBoard, MAX_COUNTED_APPS } from '../src/pusher/connection-board.js';

describe('pod-wide Pusher connection counts', () => {
  const region = (): Int32Array => new Int32Array(new SharedArrayBuffer(CONNECTION_REGION.size));

  it('sums every process\'s row against the quota', () => {
    const ints = region();
    const a = new ConnectionBoard(ints, 0, 2);
    const b = new ConnectionBoard(ints, 1, 2);
    assert.ok(a.admit(0, 3, 1));
    assert.ok(b.admit(0, 3, 1));
    assert.ok(b.admit(0, 3, 1));
    assert.equal(a.admit(0, 3, 1), false, 'the pod is at 3');
    assert.ok(a.admit(1, 3, 1), 'another app has its own quota');
    assert.ok(b.admit(0, 3, -1));
    assert.ok(a.admit(0, 3, 1));
    assert.equal(a.total(0), 3);
  });

  it('a restarted process starts from zero instead of inheriting its predecessor\'s count', () => {
    const ints = region();
    const first = new ConnectionBoard(ints, 1, 2);
    first.admit(0, 0, 1);
    first.admit(0, 0, 1);
    const restarted = new ConnectionBoard(ints, 1, 2);
    assert.equal(restarted.total(0), 0);
  });

  it('rows of processes past the current count are not summed', () => {
    const ints = region();
    new ConnectionBoard(ints, 2, 3).admit(0, 0, 1);
    assert.equal(new ConnectionBoard(ints, 0, 2).total(0), 0);
  });

  it('counts apps past the table in the process', () => {
    const board = new ConnectionBoard(region(), 0, 1);
    assert.ok(board.admit(MAX_COUNTED_APPS, 1, 1));
    assert.equal(board.admit(MAX_COUNTED_APPS, 1, 1), false);
  });
});
