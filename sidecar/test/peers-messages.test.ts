// The peer message set: what a frame may carry, and which records a peer may speak for.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessages, encodeMessages, recordBelongsTo, type PeerMessage } from '../src/peers/peer-messages.js';

const decode = (v: unknown): PeerMessage[] | undefined => decodeMessages(Buffer.from(JSON.stringify(v)));

describe('peer messages', () => {
  test('every message kind round-trips', () => {
    const all: PeerMessage[] = [
      { k: 'hello', v: 1, node: 'n1', ring: 'r1', log: null },
      { k: 'welcome', node: 'n2', ring: { after: null }, log: { after: 7 } },
      { k: 'rec', s: 3, r: { t: 'event', app: 'a', channels: ['c'], event: 'e', data: '{}', o: 'r1/0.1', n: 1 } },
      { k: 'state', s: 9, id: 'x', origins: [{ origin: 'r1/0.1', subs: [{ app: 'a', channel: 'presence-x', socket: '1.2', user: 'u', info: { name: 'U' } }] }], last: true },
      { k: 'fgt', s: 1, tags: ['posts'] },
      { k: 'fall', s: 12 },
      { k: 'synced', ring: 'state', log: 'all' },
      { k: 'ping' },
      { k: 'bye' },
    ];
    assert.deepEqual(decodeMessages(encodeMessages(all)), all);
  });

  test('malformed frames are refused as a whole', () => {
    assert.equal(decodeMessages(Buffer.from('not json')), undefined);
    assert.equal(decode({ k: 'ping' }), undefined, 'not a list');
    assert.equal(decode([{ k: 'ping' }, { k: 'nope' }]), undefined, 'an unknown kind');
    assert.equal(decode([{ k: 'fgt', s: -1, tags: [] }]), undefined, 'a negative sequence');
    assert.equal(decode([{ k: 'fgt', s: 1.5, tags: [] }]), undefined, 'a fractional sequence');
    assert.equal(decode([{ k: 'fgt', s: 1, tags: [1] }]), undefined, 'a tag that is not a string');
    assert.equal(decode([{ k: 'rec', s: 1, r: { t: 'bogus', o: 'r/0.1', n: 1 } }]), undefined, 'not a ring record');
    assert.equal(decode([{ k: 'welcome', node: 'n', ring: { after: 'x' }, log: null }]), undefined);
    assert.equal(decode([{ k: 'state', s: 1, id: 'i', origins: [{ origin: 'o', subs: [{ app: 'a' }] }], last: true }]), undefined);
    assert.equal(decode([{ k: 'synced', ring: 'maybe', log: null }]), undefined);
  });

  test("a peer speaks only for its own pod's origins", () => {
    assert.ok(recordBelongsTo({ t: 'sub', app: 'a', channel: 'c', socket: '1.2', o: 'r1/0.3', n: 4 }, 'r1'));
    assert.equal(recordBelongsTo({ t: 'sub', app: 'a', channel: 'c', socket: '1.2', o: 'r2/0.3', n: 4 }, 'r1'), false);
    assert.equal(recordBelongsTo({ t: 'sub', app: 'a', channel: 'c', socket: '1.2', o: 'r11/0.3', n: 4 }, 'r1'), false, 'a prefix of another id');
    assert.ok(recordBelongsTo({ t: 'gone', origin: 'r1/1.2', o: 'r1/0.3', n: 5 }, 'r1'));
    assert.equal(recordBelongsTo({ t: 'gone', origin: 'r2/1.2', o: 'r1/0.3', n: 5 }, 'r1'), false, "removing another pod's members");
  });
});
