import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChannelData, parseClientMessage, parseUserData } from '../src/pusher/message-parser.js';
import { channelType, validChannelName } from '../src/pusher/channel-name.js';

test('frames of protocol 7 are classified', () => {
  assert.deepEqual(parseClientMessage('{"event":"pusher:ping","data":{}}'), { kind: 'ping' });
  assert.deepEqual(parseClientMessage('{"event":"pusher:ping"}'), { kind: 'ping' }, 'WS-09: data may be missing');
  assert.deepEqual(parseClientMessage('{"event":"pusher:subscribe","data":{"auth":"","channel":"a"}}'), { kind: 'subscribe', channel: 'a', auth: '', channelData: undefined });
  assert.deepEqual(parseClientMessage('{"event":"pusher:subscribe","data":"{\\"channel\\":\\"a\\"}"}'), { kind: 'subscribe', channel: 'a', auth: undefined, channelData: undefined }, 'data as a JSON string');
  assert.deepEqual(parseClientMessage('{"event":"pusher:unsubscribe","data":{"channel":"a"}}'), { kind: 'unsubscribe', channel: 'a' });
  assert.deepEqual(parseClientMessage('{"event":"pusher:signin","data":{"auth":"k:s","user_data":"{}"}}'), { kind: 'signin', auth: 'k:s', userData: '{}' });
  assert.deepEqual(parseClientMessage('{"event":"client-x","channel":"private-a","data":{"y":1}}'), { kind: 'client-event', event: 'client-x', channel: 'private-a', data: { y: 1 } });
  assert.deepEqual(parseClientMessage('{"event":"pusher:whatever"}'), { kind: 'unknown', event: 'pusher:whatever' });
  assert.equal(parseClientMessage('{"event":"pusher:subscribe","data":{"channel":"a","channel_data":{"user_id":1}}}').kind, 'invalid', 'channel_data must be the signed string');
  for (const bad of ['', '{', 'null', '[]', '"x"', '{"event":7}', '{"event":""}', '{"event":"client-x"}']) {
    assert.equal(parseClientMessage(bad).kind, 'invalid', bad);
  }
});

test('presence channel_data and sign-in user_data', () => {
  assert.deepEqual(parseChannelData('{"user_id":42,"user_info":{"n":1}}'), { userId: '42', userInfo: { n: 1 } }, 'PR-01: numeric ids become strings');
  assert.equal(parseChannelData('{"user_id":""}'), undefined);
  assert.equal(parseChannelData('{"user_id":{}}'), undefined);
  assert.equal(parseChannelData(undefined), undefined);
  assert.deepEqual(parseUserData('{"id":"7","watchlist":["1",2]}'), { id: '7', watchlist: ['1'] });
  assert.equal(parseUserData('{"id":7}'), undefined, 'pusher-js requires a string id');
});

test('CH-02/CH-03 channel types and names', () => {
  assert.deepEqual(channelType('private-encrypted-cache-x'), { kind: 'encrypted', cache: true, serverToUser: false });
  assert.deepEqual(channelType('presence-cache-x'), { kind: 'presence', cache: true, serverToUser: false });
  assert.deepEqual(channelType('privatefoo'), { kind: 'public', cache: false, serverToUser: false });
  assert.deepEqual(channelType('x-private-y'), { kind: 'public', cache: false, serverToUser: false });
  assert.deepEqual(channelType('#server-to-user-9'), { kind: 'public', cache: false, serverToUser: true });
  assert.equal(validChannelName('a'.repeat(164)), true);
  assert.equal(validChannelName('a'.repeat(165)), false);
  assert.equal(validChannelName('-_=@,.;AZaz09'), true);
  assert.equal(validChannelName('#other'), false);
  assert.equal(validChannelName('a b'), false);
});

/** Mulberry32: a seeded generator, so a failure reproduces from the printed seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['{', '}', '[', ']', '"', ':', ',', '\\', 'event', 'data', 'channel', 'pusher:subscribe', 'pusher:signin', 'client-', 'private-', 'presence-',
  'auth', 'channel_data', 'user_data', 'null', 'true', '1e999', '-0', '\u0000', '\ud800', '💥', ' ', '\n', '{"event":"pusher:subscribe","data":', '__proto__', 'constructor'];

test('fuzz: 20,000 random and mutated frames never throw and always classify', () => {
  const seed = Number(process.env.ASKR_FUZZ_SEED ?? 0x5eed);
  const rand = rng(seed);
  const valid = ['{"event":"pusher:subscribe","data":{"auth":"k:s","channel":"presence-a","channel_data":"{\\"user_id\\":1}"}}', '{"event":"client-a","channel":"private-a","data":{"x":[1,2]}}', '{"event":"pusher:signin","data":{"auth":"a","user_data":"{\\"id\\":\\"1\\"}"}}'];
  const kinds = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    let frame: string;
    if (i % 2 === 0) {
      frame = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => PIECES[Math.floor(rand() * PIECES.length)]).join('');
    } else {
      // Code units on purpose: a mutation may split a surrogate pair.
      const base = (valid[i % valid.length] ?? '').split('');
      for (let m = 0; m < 1 + rand() * 4; m++) {
        const at = Math.floor(rand() * base.length);
        const op = rand();
        if (op < 0.4) base.splice(at, 1);
        else if (op < 0.8) base.splice(at, 0, PIECES[Math.floor(rand() * PIECES.length)] ?? '');
        else base[at] = String.fromCharCode(Math.floor(rand() * 0xffff));
      }
      frame = base.join('');
    }
    let msg;
    try {
      msg = parseClientMessage(frame);
    } catch (err) {
      assert.fail(`seed ${seed}, frame ${i} threw: ${JSON.stringify(frame)}: ${(err as Error).message}`);
    }
    kinds.add(msg.kind);
    if (msg.kind === 'subscribe') {
      assert.equal(typeof msg.channel, 'string');
      parseChannelData(msg.channelData);
    }
    if (msg.kind === 'signin') parseUserData(msg.userData);
  }
  assert.ok(kinds.has('invalid') && kinds.has('subscribe'), `explored: ${[...kinds].join(',')}`);
});
