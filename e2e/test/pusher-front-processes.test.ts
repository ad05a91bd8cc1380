// The broadcast ring between front processes: a worker's askr_broadcast() in one front process
// reaches a subscriber on another, and a front process killed with SIGKILL — even while holding
// the ring's lock — neither blocks the others nor leaves its presence members behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { registerBroadcastCall } from '../../sidecar/src/broadcast/broadcast-call.js';
import { WorkerCallRegistry } from '../../sidecar/src/pool/worker-calls.js';
import { APP, asPresence, connect, nextEvent, serverSdk, startStack, subscribed, type PusherClient, type Stack } from './pusher-harness.js';

function child(args: string[]): Promise<{ proc: ChildProcess; line: Record<string, unknown> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', new URL('./pusher-front-child.ts', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error('child did not start within 15 s')); }, 15_000);
    createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ proc, line: JSON.parse(line) as Record<string, unknown> });
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`child exited with ${code}`)); });
  });
}

function killed(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else {
      proc.once('exit', () => { resolve(); });
      proc.kill('SIGKILL');
    }
  });
}

describe('front processes', () => {
  let stack: Stack;
  const clients: PusherClient[] = [];
  const children: ChildProcess[] = [];
  before(async () => {
    stack = await startStack({ procs: 2 });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    for (const p of children) await killed(p);
    await stack.close();
  });

  test('askr_broadcast() from a worker of front process 1 reaches a subscriber of front process 0, excluding a socket', async () => {
    const calls = new WorkerCallRegistry();
    registerBroadcastCall(calls, stack.fronts[1]!.hub, [{ id: APP.id, maxPayload: 10240 }]);
    const sub = await connect(stack.fronts[0]!.port);
    const other = await connect(stack.fronts[0]!.port);
    clients.push(sub, other);
    const ch = await subscribed(sub, 'private-orders');
    const otherCh = await subscribed(other, 'private-orders');
    const skipped: unknown[] = [];
    otherCh.bind('OrderCreated', (d: unknown) => skipped.push(d));
    const got = nextEvent(ch, 'OrderCreated');
    const ctx = { requestId: 'r1', workerPid: process.pid };
    const seq = await calls.invoke('broadcast', { channels: ['private-orders'], event: 'OrderCreated', data: '{"id":7}', socketId: other.connection.socket_id }, ctx);
    assert.equal(typeof seq, 'number');
    assert.deepEqual(await got, { id: 7 });
    await assert.rejects(calls.invoke('broadcast', { channels: ['bad name'], event: 'x', data: '1' }, ctx), /invalid channel name/);
    await assert.rejects(calls.invoke('broadcast', { channels: ['a'], event: 'x', data: 'x'.repeat(20000) }, ctx), /larger than/);
    const barrier = nextEvent(otherCh, 'barrier');
    await calls.invoke('broadcast', { channels: ['private-orders'], event: 'barrier', data: '1' }, ctx);
    await barrier;
    assert.deepEqual(skipped, []);
  });

  test('a SIGKILLed front process (another OS process) loses its presence members everywhere', async () => {
    const { proc, line } = await child([stack.shm.path, 'front', '5']);
    children.push(proc);
    const watcher = await connect(stack.fronts[0]!.port, { user: 'stay' });
    clients.push(watcher);
    const room = asPresence(await subscribed(watcher, 'presence-crash'));
    const added = nextEvent<{ id: string }>(room, 'pusher:member_added');
    const ghost = await connect(Number(line.port), { user: 'ghost' });
    clients.push(ghost);
    await subscribed(ghost, 'presence-crash');
    assert.equal((await added).id, 'ghost');
    const removed = nextEvent<{ id: string }>(room, 'pusher:member_removed', 10_000);
    await killed(proc);
    assert.equal((await removed).id, 'ghost');
    const users = await (await serverSdk(stack.fronts[1]!.port).get({ path: '/channels/presence-crash/users' })).json() as unknown;
    assert.deepEqual(users, { users: [{ id: 'stay' }] });
  });

  test('a process SIGKILLed while holding the ring lock does not block publishing', async () => {
    const { proc } = await child([stack.shm.path, 'hold-lock']);
    children.push(proc);
    const ring = stack.fronts[0]!.hub.ring;
    assert.equal(ring.lock.holder(), proc.pid);
    await killed(proc);
    const c = await connect(stack.fronts[1]!.port);
    clients.push(c);
    const ch = await subscribed(c, 'after-crash');
    const got = nextEvent(ch, 'ok');
    await serverSdk(stack.fronts[0]!.port).trigger('after-crash', 'ok', '"yes"');
    assert.equal(await got, 'yes');
    assert.equal(stack.fronts.reduce((n, f) => n + f.hub.ring.lock.broken, 0), 1);
  });
});
