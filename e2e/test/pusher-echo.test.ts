// Laravel Echo pointed at Askr, as docs/realtime.md configures it: a private channel with a
// Laravel-style event name, toOthers(), a presence channel's here/joining/leaving, and whispers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Echo from 'laravel-echo';
import PusherJsImport from 'pusher-js';
import { APP, serverSdk, startStack, until, type Stack } from './pusher-harness.js';

type PusherJsClass = typeof PusherJsImport.default;
const Pusher = ((PusherJsImport as unknown as { default?: PusherJsClass }).default ?? PusherJsImport) as unknown as PusherJsClass;

describe('laravel-echo against askr', () => {
  let stack: Stack;
  const echos: Echo<'pusher'>[] = [];
  before(async () => {
    stack = await startStack({ procs: 2, argv: ['--pusher-client-events'] });
  });
  after(async () => {
    for (const e of echos) e.disconnect();
    await stack.close();
  });

  const echo = async (front: number, user: string): Promise<Echo<'pusher'>> => {
    const e = new Echo({
      broadcaster: 'pusher',
      key: APP.key,
      cluster: 'askr',
      wsHost: '127.0.0.1',
      wsPort: stack.fronts[front]!.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      // Echo types this option as the pusher-js module; at run time it is the class.
      Pusher: Pusher as unknown as typeof PusherJsImport,
      // Laravel's /broadcasting/auth would sign this; here the official SDK signs for a fixed user.
      channelAuthorization: {
        endpoint: '/broadcasting/auth',
        transport: 'ajax',
        customHandler: ({ socketId, channelName }, callback) => {
          if (channelName.startsWith('presence-')) {
            callback(null, serverSdk(0).authorizeChannel(socketId, channelName, { user_id: user, user_info: { name: user } }));
          } else callback(null, serverSdk(0).authorizeChannel(socketId, channelName));
        },
      },
    });
    echos.push(e);
    await until(() => e.socketId() !== undefined && e.socketId() !== '', 'echo connected');
    return e;
  };

  test('private channel: a Laravel event class name reaches .listen(), and toOthers() skips the sender', async () => {
    const sender = await echo(0, 'a');
    const other = await echo(1, 'b');
    const got: unknown[] = [];
    const mine: unknown[] = [];
    other.private('orders.1').listen('OrderShipped', (e: unknown) => got.push(e));
    sender.private('orders.1').listen('OrderShipped', (e: unknown) => mine.push(e));
    const sdk = serverSdk(stack.fronts[0]!.port);
    await until(() => (stack.fronts[0]!.pusher.core.replica.channel(APP.id, 'private-orders.1')?.subscriptionCount ?? 0) === 2, 'both subscribed');
    await sdk.trigger('private-orders.1', 'App\\Events\\OrderShipped', { id: 1 }, { socket_id: sender.socketId() });
    await sdk.trigger('private-orders.1', 'App\\Events\\OrderShipped', { id: 2 });
    await until(() => got.length === 2 && mine.length === 1, 'events delivered');
    assert.deepEqual(got, [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(mine, [{ id: 2 }]);
  });

  test('presence: here() lists members, joining()/leaving() follow, whispers reach the others', async () => {
    const ann = await echo(0, 'ann');
    let here: { name: string }[] = [];
    const joined: string[] = [];
    const left: string[] = [];
    const whispers: unknown[] = [];
    ann.join('room.7')
      .here((users: { name: string }[]) => { here = users; })
      .joining((u: { name: string }) => joined.push(u.name))
      .leaving((u: { name: string }) => left.push(u.name))
      .listenForWhisper('typing', (e: unknown) => whispers.push(e));
    await until(() => here.length === 1, 'here()');
    const bob = await echo(1, 'bob');
    let bobHere: { name: string }[] = [];
    const bobRoom = bob.join('room.7').here((users: { name: string }[]) => { bobHere = users; });
    await until(() => bobHere.length === 2 && joined.length === 1, 'bob joined');
    assert.deepEqual(bobHere.map((u) => u.name).sort(), ['ann', 'bob']);
    assert.deepEqual(joined, ['bob']);
    bobRoom.whisper('typing', { who: 'bob' });
    await until(() => whispers.length === 1, 'whisper');
    assert.deepEqual(whispers, [{ who: 'bob' }]);
    bob.leave('room.7');
    await until(() => left.length === 1, 'leaving()');
    assert.deepEqual(left, ['bob']);
  });
});
