// RequestQueue: the pool's bounded FIFO of requests waiting for a worker.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestQueue, type QueuedRequest } from '../src/pool/request-queue.js';
import type { ResponseSink } from '../src/pool/response-sink.js';

function item(id: string): QueuedRequest {
  return {
    request: { id, method: 'GET', uri: `/${id}`, script: 'index.php', pathInfo: '', server: {}, body: { kind: 'inline', data: Buffer.alloc(0) } },
    sink: {} as ResponseSink,
    deadline: 1000,
    enqueuedAt: 0,
  };
}

const ids = (items: (QueuedRequest | undefined)[]): string[] => items.map((i) => i?.request.id ?? '-');

describe('RequestQueue', () => {
  test('removeWhere takes out what matches and keeps the rest in order, after shifts and a put-back', () => {
    const q = new RequestQueue(100);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) q.push(item(id));
    assert.equal(q.shift()?.request.id, 'a');
    q.unshift(item('z'));
    const removed = q.removeWhere((i) => ['b', 'd', 'z'].includes(i.request.id));
    assert.deepEqual(ids(removed), ['z', 'b', 'd']);
    assert.equal(q.length, 3);
    assert.deepEqual(ids(q.drain()), ['c', 'e', 'f']);
  });

  test('removeWhere with no match leaves the queue as it was', () => {
    const q = new RequestQueue(100);
    for (const id of ['a', 'b']) q.push(item(id));
    q.shift();
    assert.deepEqual(q.removeWhere(() => false), []);
    assert.equal(q.length, 1);
    q.push(item('c'));
    assert.deepEqual(ids(q.drain()), ['b', 'c']);
  });
});
