// When a restarted sidecar may serve the cache it kept again (pure).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StartupHold } from '../src/peers/startup-hold.js';

describe('StartupHold', () => {
  test('waits for every peer it was following, and for as many peers as discovery lists', () => {
    const h = new StartupHold(['logA', 'logB']);
    assert.equal(h.done, false);
    h.sourceSynced('ringA', 'logA');
    assert.deepEqual(h.missing(), ['logB']);
    h.sourceSynced('ringB', 'logB');
    assert.equal(h.done, false, 'discovery has not resolved yet');
    h.setTargets(3);
    assert.equal(h.done, false, 'a third pod joined while this one was away');
    h.sourceSynced('ringC', 'logC');
    assert.equal(h.done, true);
  });

  test('a peer it was not following does not stand in for one it was', () => {
    const h = new StartupHold(['logA'], 1);
    h.sourceSynced('ringX', 'logX');
    assert.equal(h.done, false);
    assert.deepEqual(h.missing(), ['logA']);
  });

  test('the same peer syncing twice counts once', () => {
    const h = new StartupHold([], 2);
    h.sourceSynced('ringA', 'logA');
    h.sourceSynced('ringA', 'logA');
    assert.equal(h.done, false);
  });

  test('alone (no peers listed, none followed) it is done as soon as discovery resolved', () => {
    const h = new StartupHold([]);
    assert.equal(h.done, false);
    h.setTargets(0);
    assert.equal(h.done, true);
  });
});
