// HTTP API signatures against the official `pusher` SDK: what it signs, we accept; anything
// altered, stale or signed with another secret, we refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import PusherServer from 'pusher';
import { stringToSign, verifyApiSignature } from '../src/pusher/api-signature.js';
import { channelAuthString, signinAuthString, verifyAuth } from '../src/pusher/pusher-auth.js';

const app = { key: 'key', secret: 'secret' };

test('requests signed by the pusher SDK verify; tampering and staleness do not', async (t) => {
  const seen: { method: string; path: string; query: Record<string, string>; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => { server.close(); });
  const sdk = new PusherServer({ appId: '1', key: app.key, secret: app.secret, host: '127.0.0.1', port: String((server.address() as AddressInfo).port), useTLS: false });
  await sdk.trigger(['a', 'b'], 'e', { x: 1 }, { socket_id: '1.2', info: 'user_count,subscription_count' });
  await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count,subscription_count' } });
  await sdk.terminateUserConnections('u1');
  const now = Math.floor(Date.now() / 1000);
  for (const req of seen) {
    assert.deepEqual(verifyApiSignature(req, app, now), { ok: true }, `${req.method} ${req.path}`);
    assert.equal(verifyApiSignature(req, { ...app, secret: 'other' }, now).ok, false);
    assert.equal(verifyApiSignature(req, app, now + 601).ok, false, 'stale');
    assert.equal(verifyApiSignature({ ...req, path: `${req.path}x` }, app, now).ok, false, 'path is signed');
    assert.equal(verifyApiSignature({ ...req, query: { ...req.query, extra: '1' } }, app, now).ok, false, 'query is signed');
    if (req.body.length > 0) assert.equal(verifyApiSignature({ ...req, body: Buffer.concat([req.body, Buffer.from(' ')]) }, app, now).ok, false, 'body is signed');
  }
});

test('string to sign: keys lower-cased and sorted, auth_signature left out, values as decoded', () => {
  assert.equal(stringToSign('get', '/apps/1/channels', { b: '2', A: 'x,y', auth_signature: 'zz' }), 'GET\n/apps/1/channels\na=x,y&b=2');
});

test('AU-01..04 channel and sign-in auth match the pusher SDK', () => {
  const sdk = new PusherServer({ appId: '1', key: app.key, secret: app.secret, host: 'x' });
  const priv = sdk.authorizeChannel('1.2', 'private-a');
  assert.equal(verifyAuth(priv.auth, app.key, app.secret, channelAuthString('1.2', 'private-a')), true);
  const pres = sdk.authorizeChannel('1.2', 'presence-a', { user_id: '9', user_info: { n: 1 } });
  assert.equal(verifyAuth(pres.auth, app.key, app.secret, channelAuthString('1.2', 'presence-a', pres.channel_data)), true);
  const user = sdk.authenticateUser('1.2', { id: '9' });
  assert.equal(verifyAuth(user.auth, app.key, app.secret, signinAuthString('1.2', user.user_data)), true);
  assert.equal(verifyAuth(priv.auth.replace('key:', 'other:'), app.key, app.secret, channelAuthString('1.2', 'private-a')), false, 'AU-04 key part checked');
  assert.equal(verifyAuth(priv.auth, app.key, app.secret, channelAuthString('1.3', 'private-a')), false, 'AU-05 other socket');
});
