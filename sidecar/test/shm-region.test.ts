import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fork } from 'node:child_process';
import { ShmRegion } from '../src/shm/shm-region.js';
import { GAUGE_REGION, GaugeBoard, shareOf } from '../src/shm/gauge-board.js';

const dir = mkdtempSync(join(tmpdir(), 'askr-shm-test-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const regions = [{ name: 'a', size: 100, version: 1 }, { name: 'b', size: 5000, version: 1 }];

describe('the shared-memory region', () => {
  it('lays regions out page-aligned after the header', () => {
    const shm = ShmRegion.open({ path: join(dir, 'layout.shm'), regions, stamp: 's', mode: 'create' });
    assert.equal(shm.region('a').length, 4096);
    assert.equal(shm.region('b').length, 8192);
    assert.equal(shm.layout.totalSize, 4096 + 4096 + 8192);
  });

  it('reuses a file with the same layout and stamp, resets one that differs', () => {
    const path = join(dir, 'reuse.shm');
    const first = ShmRegion.open({ path, regions, stamp: 'app-1', mode: 'create' });
    assert.equal(first.reused, false);
    first.int32('a')[0] = 42;
    const again = ShmRegion.open({ path, regions, stamp: 'app-1', mode: 'create' });
    assert.equal(again.reused, true);
    assert.equal(again.int32('a')[0], 42);
    const otherApp = ShmRegion.open({ path, regions, stamp: 'app-2', mode: 'create' });
    assert.equal(otherApp.reused, false);
    assert.equal(otherApp.int32('a')[0], 0);
    const otherLayout = ShmRegion.open({ path, regions: [...regions.slice(0, 1), { name: 'b', size: 5000, version: 2 }], stamp: 'app-2', mode: 'create' });
    assert.equal(otherLayout.reused, false);
  });

  it('resets a file that is not an Askr region; attach refuses it', () => {
    const path = join(dir, 'garbage.shm');
    writeFileSync(path, Buffer.alloc(4096 * 4, 0xff));
    assert.throws(() => ShmRegion.open({ path, regions, stamp: 's', mode: 'attach' }), /not a ready Askr region|has \d+ bytes/);
    assert.equal(ShmRegion.open({ path, regions, stamp: 's', mode: 'create' }).reused, false);
    assert.equal(ShmRegion.open({ path, regions, stamp: 's', mode: 'attach' }).reused, true);
  });

  it('is shared between processes: atomics from another process are seen here', async () => {
    const path = join(dir, 'shared.shm');
    const shm = ShmRegion.open({ path, regions: [GAUGE_REGION], stamp: 'x', mode: 'create' });
    const board = new GaugeBoard(shm.int32(GAUGE_REGION.name));
    const script = join(dir, 'child.mjs');
    writeFileSync(
      script,
      `import { ShmRegion } from ${JSON.stringify(new URL('../src/shm/shm-region.ts', import.meta.url).pathname)};
       import { GAUGE_REGION, GaugeBoard } from ${JSON.stringify(new URL('../src/shm/gauge-board.ts', import.meta.url).pathname)};
       const shm = ShmRegion.open({ path: process.argv[2], regions: [GAUGE_REGION], stamp: 'x', mode: 'attach' });
       const board = new GaugeBoard(shm.int32(GAUGE_REGION.name));
       board.publish(1, { queued: 7, alive: 3, busy: 2, idle: 1, starting: 0, desired: 3, min: 1, max: 4, deferring: 0, connections: 0 });
       board.setLimits(2, 9);`,
    );
    board.publish(0, { queued: 1, alive: 2, busy: 1, idle: 1, starting: 0, desired: 2, min: 1, max: 4, deferring: 0, connections: 0 });
    await new Promise<void>((resolve, reject) => {
      const child = fork(script, [path], { execArgv: ['--import', 'tsx'] });
      child.on('exit', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`child exited ${String(code)}`));
      });
    });
    const total = board.total(2);
    assert.equal(total.procs, 2);
    assert.equal(total.queued, 8);
    assert.equal(total.alive, 5);
    assert.deepEqual(board.limits(), { min: 2, max: 9, generation: 1 });
  });

  it('splits a pod-wide floor and ceiling across front processes', () => {
    assert.deepEqual([0, 1, 2].map((i) => shareOf(8, i, 3, 1)), [3, 3, 2]);
    assert.deepEqual([0, 1].map((i) => shareOf(1, i, 2, 1)), [1, 1]);
  });
});
