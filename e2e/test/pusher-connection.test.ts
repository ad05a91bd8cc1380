// Connection-level conformance (checklist §1.1–1.4, 1.13): handshake, errors, ping/pong, liveness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, connect, dataOf, nextEvent, rawSocket, startStack, until, type Stack } from './pusher-harness.js';

describe('pusher connection', () => {
  let stack: Stack;
  let port: number;
  before(async () => {
    stack = await startStack({ argv: ['--pusher-activity-timeout', '1', '--pusher-pong-timeout', '0.5'] });
    port = stack.fronts[0]!.port;
  });
  after(() => stack.close());

  test('WS-06 pusher-js connects and gets a socket id like 123.456 and activity_timeout', async () => {
    const raw = await rawSocket(port);
    const first = await raw.next('pusher:connection_established');
    assert.equal(raw.frames[0]?.event, 'pusher:connection_established', 'WS-05: the first frame');
    assert.equal(typeof first.data, 'string', 'data is a JSON string');
    const data = dataOf(first);
    assert.match(String(data.socket_id), /^\d+\.\d+$/);
    assert.equal(data.activity_timeout, 1);
    raw.ws.close();
    const client = await connect(port);
    assert.match(client.connection.socket_id, /^\d+\.\d+$/);
    client.disconnect();
  });

  test('WS-06 socket ids are unique', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const raw = await rawSocket(port);
      ids.add(String(dataOf(await raw.next('pusher:connection_established')).socket_id));
      raw.ws.close();
    }
    assert.equal(ids.size, 20);
  });

  test('WS-02 an unknown app key gets pusher:error 4001 and close 4001; pusher-js does not retry', async () => {
    const raw = await rawSocket(port, '/app/nope?protocol=7');
    const err = await raw.next('pusher:error');
    assert.deepEqual(err.data, { code: 4001, message: 'App key nope does not exist' });
    assert.equal((await raw.closed).code, 4001);

    const { default: PusherJs } = (await import('pusher-js')) as unknown as { default: new (key: string, o: object) => { connection: { state: string; bind(e: string, cb: (x: unknown) => void): void }; disconnect(): void } };
    const client = new PusherJs('nope', { cluster: 'x', wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'], disableStats: true });
    const errors: unknown[] = [];
    client.connection.bind('error', (e) => errors.push(e));
    await until(() => client.connection.state === 'failed' || client.connection.state === 'disconnected', 'pusher-js gives up');
    client.disconnect();
    assert.ok(errors.some((e) => JSON.stringify(e).includes('4001')), JSON.stringify(errors));
  });

  test('WS-03 protocol version checks: missing 4008, malformed 4006, unsupported 4007, bad path 4005', async () => {
    for (const [path, code] of [
      [`/app/${APP.key}`, 4008],
      [`/app/${APP.key}?protocol=x7`, 4006],
      [`/app/${APP.key}?protocol=4`, 4007],
      [`/app/${APP.key}/extra?protocol=7`, 4005],
    ] as const) {
      const raw = await rawSocket(port, path);
      assert.equal((dataOf(await raw.next('pusher:error')) as { code: number }).code, code, path);
      assert.equal((await raw.closed).code, code, path);
    }
  });

  test('WS-11 pusher:ping gets pusher:pong; WS-09 a ping without data too', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    raw.send({ event: 'pusher:ping' });
    const pong = await raw.next('pusher:pong');
    assert.equal(pong.data, '{}');
    raw.ws.close();
  });

  test('WS-15 an idle socket is pinged, and closed with 4201 when it does not answer', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    await raw.next('pusher:ping');
    const err = await raw.next('pusher:error');
    assert.equal((dataOf(err) as { code: number }).code, 4201);
    assert.equal((await raw.closed).code, 4201);
  });

  test('WS-14 pusher-js answers the server ping and stays connected', async () => {
    const client = await connect(port);
    const states: string[] = [];
    client.connection.bind('state_change', (s: { current: string }) => states.push(s.current));
    // Three activity timeouts: the server pings at least twice; the client must still be there.
    const pong = await nextEvent(client.connection, 'message', 5000);
    assert.ok(pong);
    await until(() => stack.fronts[0]!.pusher.core.connections.size > 0, 'connection registered');
    const id = client.connection.socket_id;
    let seen = 0;
    client.connection.bind('message', (m: { event: string }) => {
      if (m.event === 'pusher:ping' || m.event === 'pusher:pong') seen++;
    });
    // With a 1 s activity timeout two pings take about 2 s; the bound only keeps a silent server from hanging the test.
    await until(() => seen >= 2, 'two ping/pong frames on the connection', 10_000);
    assert.equal(client.connection.socket_id, id);
    assert.ok(!states.includes('disconnected'), states.join(','));
    client.disconnect();
  });

  test('WS-08 malformed frames get pusher:error and never close the socket', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    const garbage = ['{', 'null', '[]', '42', '{"event":1}', '{"event":"pusher:subscribe","data":7}', '{"event":"pusher:subscribe","data":"{not json"}', '{"event":"client-x"}', '\u0000\uffff'];
    for (const g of garbage) raw.send(g);
    raw.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    raw.send({ event: 'pusher:unknown_thing', data: {} });
    raw.send({ event: 'pusher:ping', data: {} });
    await raw.next('pusher:pong');
    assert.ok(raw.frames.filter((f) => f.event === 'pusher:error').length >= garbage.length);
    assert.equal(raw.ws.readyState, raw.ws.OPEN);
    raw.ws.close();
  });

  test('a frame beyond the size limit closes with 1009 and the server keeps serving', async () => {
    const raw = await rawSocket(port);
    await raw.next('pusher:connection_established');
    raw.send({ event: 'client-big', channel: 'private-x', data: 'x'.repeat(200 * 1024) });
    assert.equal((await raw.closed).code, 1009);
    const client = await connect(port);
    client.disconnect();
  });
});
