// User authentication (checklist §1.10): pusher:signin, server-to-user messages, terminating a
// user's connections through the HTTP API — across front processes. (pusher-js's Node transport,
// faye-websocket, arms a 30 s timer when it closes a socket the server already closed, so this file
// lingers that long after its last test.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signAuth, signinAuthString } from '../../sidecar/src/pusher/pusher-auth.js';
import { APP, connect, dataOf, nextEvent, rawSocket, serverSdk, startStack, until, type PusherClient, type Stack } from './pusher-harness.js';

describe('pusher users', () => {
  let stack: Stack;
  const clients: PusherClient[] = [];
  before(async () => {
    stack = await startStack({ procs: 2 });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await stack.close();
  });
  const signedIn = async (front: number, user: string, watchlist?: string[]): Promise<PusherClient> => {
    const c = await connect(stack.fronts[front]!.port, { user, ...(watchlist ? { watchlist } : {}) });
    clients.push(c);
    c.signin();
    await until(() => (c.user as unknown as { serverToUserChannel?: { subscribed: boolean } }).serverToUserChannel?.subscribed === true, `${user} signed in`);
    return c;
  };

  test('US-01/US-03 pusher-js signs in, subscribes #server-to-user-{id}, and sendToUser reaches every socket of the user', async () => {
    const tab1 = await signedIn(0, 'dana');
    const tab2 = await signedIn(1, 'dana');
    const got = Promise.all([nextEvent(tab1.user, 'note'), nextEvent(tab2.user, 'note')]);
    await serverSdk(stack.fronts[0]!.port).sendToUser('dana', 'note', { hi: 1 });
    assert.deepEqual(await got, [{ hi: 1 }, { hi: 1 }]);
  });

  test('US-01 a bad sign-in signature or a user_data without id: 4009 and close', async () => {
    for (const userData of ['{"id":"x"}', '{"name":"no id"}']) {
      const raw = await rawSocket(stack.fronts[0]!.port);
      const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
      const secret = userData.includes('no id') ? APP.secret : 'wrong';
      raw.send({ event: 'pusher:signin', data: { user_data: userData, auth: signAuth(APP.key, secret, signinAuthString(socketId, userData)) } });
      assert.equal((dataOf(await raw.next('pusher:error')) as { code: number }).code, 4009);
      assert.equal((await raw.closed).code, 4009);
    }
  });

  test('US-03 only the signed-in user may subscribe to its server-to-user channel', async () => {
    const raw = await rawSocket(stack.fronts[0]!.port);
    await raw.next('pusher:connection_established');
    raw.send({ event: 'pusher:subscribe', data: { channel: '#server-to-user-dana', auth: '' } });
    assert.equal((dataOf(await raw.next('pusher:subscription_error')) as { status: number }).status, 403);
    raw.ws.close();
  });

  test('US-05 a watchlist hears who of its users is online, on every process, once per user', async () => {
    type WatchEvent = { name: string; user_ids: string[] };
    const watcherClient = await connect(stack.fronts[0]!.port, { user: 'wanda', watchlist: ['walt', 'wes'] });
    clients.push(watcherClient);
    const heard: WatchEvent[] = [];
    const watchlist = watcherClient.user.watchlist as unknown as { bind(name: string, cb: (e: WatchEvent) => void): void };
    for (const name of ['online', 'offline']) watchlist.bind(name, (e) => heard.push({ name: e.name, user_ids: [...e.user_ids].sort() }));
    watcherClient.signin();
    await until(() => heard.length === 2, 'the watchlist\'s first state');
    assert.deepEqual(heard.splice(0), [{ name: 'online', user_ids: [] }, { name: 'offline', user_ids: ['walt', 'wes'] }]);
    // walt signs in on the other process: online; a second tab of walt changes nothing.
    const walt1 = await signedIn(1, 'walt');
    await until(() => heard.length === 1, 'walt online');
    const walt2 = await signedIn(0, 'walt');
    // wes signs in: a fence, since its event comes after anything walt's second tab could have caused.
    const wes = await signedIn(1, 'wes');
    await until(() => heard.length === 2, 'wes online');
    assert.deepEqual(heard.splice(0), [{ name: 'online', user_ids: ['walt'] }, { name: 'online', user_ids: ['wes'] }]);
    // walt is offline only once its last connection is gone.
    walt1.disconnect();
    wes.disconnect();
    await until(() => heard.length === 1, 'wes offline');
    walt2.disconnect();
    await until(() => heard.length === 2, 'walt offline');
    assert.deepEqual(heard, [{ name: 'offline', user_ids: ['wes'] }, { name: 'offline', user_ids: ['walt'] }]);
    // A newcomer watching walt and wanda sees the state as it is now.
    const late = await connect(stack.fronts[1]!.port, { user: 'wyatt', watchlist: ['walt', 'wanda'] });
    clients.push(late);
    const first = nextEvent<WatchEvent>(late.user.watchlist, 'online');
    late.signin();
    assert.deepEqual((await first).user_ids, ['wanda']);
  });

  test('US-05 a watchlist over 100 users is refused with 4302; the sign-in stands and the connection stays open', async () => {
    const raw = await rawSocket(stack.fronts[0]!.port);
    const socketId = String(dataOf(await raw.next('pusher:connection_established')).socket_id);
    const userData = JSON.stringify({ id: 'long-list', watchlist: Array.from({ length: 101 }, (_, i) => `u${i}`) });
    raw.send({ event: 'pusher:signin', data: { user_data: userData, auth: signAuth(APP.key, APP.secret, signinAuthString(socketId, userData)) } });
    assert.equal((dataOf(await raw.next('pusher:error')) as { code: number }).code, 4302);
    await raw.next('pusher:signin_success');
    raw.send({ event: 'pusher:ping', data: {} });
    await raw.next('pusher:pong');
    raw.ws.close();
  });

  test('US-04 terminate_connections closes every socket of the user on every process with 4009, and only those', async () => {
    const e1 = await signedIn(0, 'eve');
    const e2 = await signedIn(1, 'eve');
    const other = await signedIn(1, 'frank');
    const closed = Promise.all([e1, e2].map((c) => nextEvent<{ data: { code: number } }>(c.connection, 'error')));
    const res = await serverSdk(stack.fronts[0]!.port).terminateUserConnections('eve');
    assert.equal(res.status, 200);
    assert.deepEqual((await closed).map((e) => e.data.code), [4009, 4009]);
    await until(() => e1.connection.state !== 'connected' && e2.connection.state !== 'connected', 'eve disconnected');
    assert.equal(other.connection.state, 'connected');
  });
});
