// The Pusher core without sockets: connections are recording sinks, state goes through a real
// ring (in a plain Buffer) and hub, as in a front process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BroadcastHub } from '../src/broadcast/broadcast-hub.js';
import { RING_HEADER_SIZE } from '../src/broadcast/broadcast-regions.js';
import { BroadcastRing } from '../src/broadcast/broadcast-ring.js';
import { ProcTable } from '../src/broadcast/proc-table.js';
import { LocalFrontBus } from '../src/ipc/front-bus.js';
import { ChannelReplica } from '../src/pusher/channel-replica.js';
import { AppRegistry, type PusherApp } from '../src/pusher/pusher-app.js';
import { channelAuthString, signAuth } from '../src/pusher/pusher-auth.js';
import type { ConnectionSink } from '../src/pusher/pusher-connection.js';
import { PusherCore } from '../src/pusher/pusher-core.js';
import type { WebhookEvent } from '../src/pusher/webhook-event.js';
import type { RingRecord } from '../src/broadcast/ring-record.js';

const app: PusherApp = {
  id: 'a', key: 'k', secret: 's', enabled: true, clientEvents: true, clientEventRate: 10, maxPayload: 1024, maxConnections: 2,
  maxChannelsPerConnection: 10, maxPresenceMembers: 2, maxUserInfo: 256, cacheTtl: 60, subscriptionCount: true, userAuthTimeout: 0, webhooks: [],
};

class Sink implements ConnectionSink {
  frames: { event: string; channel?: string; data?: unknown }[] = [];
  closedWith: number | undefined;
  send(frame: string): void {
    this.frames.push(JSON.parse(frame) as Sink['frames'][number]);
  }
  close(code: number): void {
    this.closedWith = code;
  }
  events(name: string): Sink['frames'] {
    return this.frames.filter((f) => f.event === name);
  }
}

function setup(now = { t: 0 }): { core: PusherCore; hooks: WebhookEvent[]; now: { t: number } } {
  const region = Buffer.alloc(RING_HEADER_SIZE + 65536);
  const hub = new BroadcastHub({ ring: new BroadcastRing(region, 65536), procs: new ProcTable(region), bus: new LocalFrontBus() });
  hub.start();
  const hooks: WebhookEvent[] = [];
  const core = new PusherCore({ apps: new AppRegistry([app]), publisher: hub, activityTimeout: 10, pongTimeout: 5, now: () => now.t, webhooks: { emit: (_app, e) => hooks.push(e) } });
  hub.subscribe((r) => { core.apply(r); });
  return { core, hooks, now };
}

const presence = (core: PusherCore, sink: Sink, user: string, channel = 'presence-r'): void => {
  const conn = [...core.connections.values()].find((c) => c.sink === sink)!;
  const data = JSON.stringify({ user_id: user });
  core.message(conn, JSON.stringify({ event: 'pusher:subscribe', data: { channel, channel_data: data, auth: signAuth('k', 's', channelAuthString(conn.socketId, channel, data)) } }));
};

test('presence: member events, one member per user, the limit, and webhooks from the causing process', () => {
  const { core, hooks } = setup();
  const [s1, s2, s3] = [new Sink(), new Sink(), new Sink()];
  const c1 = core.open('k', s1)!;
  core.open('k', s2);
  presence(core, s1, 'u1');
  presence(core, s2, 'u2');
  assert.deepEqual(JSON.parse(s2.events('pusher_internal:subscription_succeeded')[0]!.data as string), { presence: { ids: ['u1', 'u2'], hash: { u1: null, u2: null }, count: 2 } });
  assert.equal(s1.events('pusher_internal:member_added').length, 1);
  assert.equal(s2.events('pusher_internal:member_added').length, 0, 'not to the joiner');
  assert.equal(core.open('k', s3), undefined, 'maxConnections 2');
  assert.equal(s3.closedWith, 4004);
  core.closed(c1);
  assert.equal(s2.events('pusher_internal:member_removed').length, 1);
  assert.deepEqual(hooks.map((h) => h.name), ['channel_occupied', 'member_added', 'member_added', 'member_removed']);
});

test('the replica agrees in every process: same records, same transitions', () => {
  const records: RingRecord[] = [
    { t: 'sub', app: 'a', channel: 'presence-x', socket: '1.1', user: 'u', o: 'p0', n: 1 },
    { t: 'sub', app: 'a', channel: 'presence-x', socket: '2.2', user: 'u', o: 'p1', n: 1 },
    { t: 'sub', app: 'a', channel: 'presence-x', socket: '3.3', user: 'v', o: 'p1', n: 2 },
    { t: 'sub', app: 'a', channel: 'presence-x', socket: '4.4', user: 'w', o: 'p0', n: 2 },
    { t: 'unsub', app: 'a', socket: '1.1', channels: ['presence-x'], o: 'p0', n: 3 },
    { t: 'gone', origin: 'p1', o: 'p0', n: 4 },
  ];
  const runs = [0, 1].map(() => {
    const r = new ChannelReplica(() => 2);
    return records.map((rec) => r.apply(rec).map((t) => t.kind).join(','));
  });
  assert.deepEqual(runs[0], runs[1]);
  assert.deepEqual(runs[0], ['occupied,joined,member_added,count', 'joined,count', 'joined,member_added,count', 'rejected', 'count', 'member_removed,count,member_removed,vacated']);
});

test('a snapshot replaces one origin\'s subscriptions and reports the difference', () => {
  const r = new ChannelReplica(() => 100);
  r.apply({ t: 'sub', app: 'a', channel: 'c', socket: '1.1', o: 'p1', n: 1 });
  r.apply({ t: 'sub', app: 'a', channel: 'stale', socket: '1.1', o: 'p1', n: 2 });
  const t = r.apply({ t: 'snap', id: 's', subs: [{ app: 'a', channel: 'c', socket: '1.1' }, { app: 'a', channel: 'd', socket: '2.2' }], last: true, o: 'p1', n: 3 });
  assert.deepEqual(t.map((x) => `${x.kind} ${'channel' in x ? x.channel : ''}`), ['vacated stale', 'occupied d', 'count d']);
  assert.deepEqual(r.channels('a').map((c) => c.name).sort(), ['c', 'd']);
});

test('ping: idle sockets are pinged, silent ones closed with 4201; activity resets it', () => {
  const { core, now } = setup();
  const s = new Sink();
  const c = core.open('k', s)!;
  now.t = 10_001;
  core.tick();
  assert.equal(s.events('pusher:ping').length, 1);
  core.touch(c);
  now.t = 16_000;
  core.tick();
  assert.equal(s.closedWith, undefined);
  now.t = 30_000;
  core.tick();
  now.t = 35_001;
  core.tick();
  assert.equal(s.closedWith, 4201);
});

test('fuzz: random frames through the whole core never throw nor close the socket', () => {
  const { core } = setup();
  const s = new Sink();
  const c = core.open('k', s)!;
  let x = 0x12345;
  const rand = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const atoms = ['{"event":"pusher:subscribe","data":{"channel":"', '{"event":"client-', '"channel":"private-', '","data":', '{"event":"pusher:unsubscribe","data":{"channel":"',
    '{"event":"pusher:signin","data":{"auth":"k:', 'presence-', '"}}', '}', '"', '\\u0000', 'null', '[', 'x'.repeat(300)];
  for (let i = 0; i < 5000; i++) {
    const frame = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => atoms[Math.floor(rand() * atoms.length)]).join('');
    if (frame.includes('pusher:signin')) continue;
    assert.doesNotThrow(() => { core.message(c, frame); }, frame);
  }
  assert.equal(s.closedWith, undefined);
  assert.ok(s.events('pusher:error').length > 0);
});
