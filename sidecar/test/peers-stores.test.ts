// The shared-memory parts of the peer links: this pod's forget log (the
// replay window of invalidations) and the cursors of the peers' logs, both
// kept across a sidecar restart.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CursorTable } from '../src/peers/cursor-table.js';
import { ForgetLog } from '../src/peers/forget-log.js';
import { peerRegionParts, peerRegions } from '../src/peers/peer-region.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-peers-stores-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const config = { peers: ['127.0.0.1:1'], peerLogSize: 65536, responseCache: 1 };
const open = (name: string): ShmRegion => ShmRegion.open({ path: join(dir, name), regions: peerRegions(config), stamp: 'peers-test', mode: 'create' });

describe('peer region', () => {
  test('exists only with peers and a cache', () => {
    assert.equal(peerRegions({ ...config, peers: [] }).length, 0);
    assert.equal(peerRegions({ ...config, responseCache: 0 }).length, 0);
    assert.equal(peerRegions({ ...config, peers: undefined, peerDns: 'x.svc' }).length, 1);
  });
});

describe('ForgetLog', () => {
  test('appends in order with gap-free sequences, streams them once, and replays a range', () => {
    const log = ForgetLog.open(open('log1.shm'));
    assert.ok(log);
    assert.equal(log.head(), 0);
    assert.equal(log.oldest(), 0);
    assert.equal(log.pending(), false);
    for (let i = 1; i <= 5; i++) assert.equal(log.append([`t${i}`, 'posts']), i);
    assert.equal(log.pending(), true);
    assert.deepEqual(log.poll().map((e) => e.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(log.poll(), []);
    assert.deepEqual(log.since(2, 4), [{ seq: 3, tags: ['t3', 'posts'] }, { seq: 4, tags: ['t4', 'posts'] }]);
    assert.deepEqual(log.since(5, 5), []);
    assert.equal(log.oldest(), 1);
  });

  test('survives a restart: same id, sequences continue', () => {
    const shm = open('log2.shm');
    const first = ForgetLog.open(shm);
    first?.append(['a']);
    const again = ForgetLog.open(open('log2.shm'));
    assert.ok(again && first);
    assert.equal(again.id, first.id);
    assert.equal(again.append(['b']), 2);
    assert.deepEqual(again.since(0, 2)?.map((e) => e.tags), [['a'], ['b']]);
  });

  test('once the ring has wrapped past a cursor, the range is refused (the peer must forget all)', () => {
    const log = ForgetLog.open(open('log3.shm'));
    assert.ok(log);
    const tag = 'x'.repeat(1000);
    for (let i = 0; i < 200; i++) log.append([tag]);
    assert.ok(log.oldest() > 1, 'the oldest entries were overwritten');
    assert.equal(log.since(0, log.head()), undefined);
    assert.equal(log.since(log.oldest() - 2, log.head()), undefined);
    assert.equal(log.since(log.oldest() - 1, log.head())?.length, log.head() - log.oldest() + 1);
  });

  test('an invalidation with more tags than one record holds is split, each part its own sequence', () => {
    const log = ForgetLog.open(open('log4.shm'));
    assert.ok(log);
    const tags = Array.from({ length: 1000 }, (_, i) => `post:${i}`.padEnd(20, '.'));
    const last = log.append(tags);
    assert.ok(last > 1);
    const parts = log.since(0, last);
    assert.deepEqual(parts?.flatMap((p) => p.tags), tags);
  });
});

describe('CursorTable', () => {
  test('keeps cursors and their live flag across a restart', () => {
    const parts = peerRegionParts(open('cur1.shm'));
    assert.ok(parts);
    const t = new CursorTable(parts.cursors);
    t.set('aaaaaaaaaaaaaaaa', 41, 1000);
    t.set('bbbbbbbbbbbbbbbb', 7, 1001);
    t.setLive('bbbbbbbbbbbbbbbb', false, 1002);
    const again = new CursorTable(peerRegionParts(open('cur1.shm'))?.cursors ?? Buffer.alloc(0));
    assert.deepEqual(again.get('aaaaaaaaaaaaaaaa'), { id: 'aaaaaaaaaaaaaaaa', seq: 41, live: true, updatedAt: 1000 });
    assert.equal(again.get('bbbbbbbbbbbbbbbb')?.live, false);
    assert.equal(again.get('cccccccccccccccc'), undefined);
    assert.equal(again.all().length, 2);
  });

  test('when full, a new peer takes the least recently updated slot', () => {
    const parts = peerRegionParts(open('cur2.shm'));
    assert.ok(parts);
    const t = new CursorTable(parts.cursors);
    for (let i = 0; i < 64; i++) t.set(`id-${i}`, i, 10_000 + i);
    t.set('id-0', 100, 20_000);
    t.set('newcomer', 1, 30_000);
    assert.equal(t.get('id-1'), undefined, 'the oldest was replaced');
    assert.equal(t.get('id-0')?.seq, 100);
    assert.equal(t.get('newcomer')?.seq, 1);
    assert.equal(t.all().length, 64);
  });
});
