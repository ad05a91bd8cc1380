// Peer options: the checks at start, and which addresses are dialed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '../src/config/parse-options.js';
import { peerOptions } from '../src/config/peer-options.js';
import { dialTargets } from '../src/peers/peer-discovery.js';
import { peerSettings, splitHostPort } from '../src/peers/peer-settings.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => ({ ...parseOptions(peerOptions, argv, env).config, adminListen: '127.0.0.1:9180' });

describe('peer settings', () => {
  test('no --peers and no --peer-dns: no peer links', () => {
    assert.equal(peerSettings(parse([])), undefined);
  });

  test('a static list with the secret from the environment', () => {
    const s = peerSettings(parse(['--peers', '10.0.0.1:9180, [fd00::2]:9180'], { ASKR_PEER_SECRET: 'x'.repeat(16) }));
    assert.ok(s);
    assert.deepEqual(s.staticPeers, ['10.0.0.1:9180', '[fd00::2]:9180']);
    assert.equal(s.timeoutMs, 10_000);
    assert.equal(s.dnsPort, undefined);
  });

  test('DNS discovery with its port and interval', () => {
    const s = peerSettings(parse(['--peer-dns', 'app-peers.shop.svc', '--peer-port', '9999', '--peer-dns-interval', '250ms', '--peer-secret', 's'.repeat(20)]));
    assert.ok(s);
    assert.equal(s.dnsName, 'app-peers.shop.svc');
    assert.equal(s.dnsPort, 9999);
    assert.equal(s.dnsIntervalMs, 250);
  });

  test('bad combinations fail at start, naming the flag', () => {
    assert.throws(() => peerSettings(parse(['--peers', 'a:1'])), /--peer-secret: required/);
    assert.throws(() => peerSettings(parse(['--peers', 'a:1', '--peer-secret', 'short'])), /--peer-secret: must be at least 16/);
    assert.throws(() => peerSettings(parse(['--peers', 'nohost', '--peer-secret', 'x'.repeat(16)])), /--peers: "nohost" is not host:port/);
    assert.throws(() => peerSettings(parse(['--peers', 'a:1', '--peer-dns', 'b', '--peer-secret', 'x'.repeat(16)])), /not both/);
    assert.throws(() => peerSettings({ ...parse(['--peers', 'a:1', '--peer-secret', 'x'.repeat(16)]), adminListen: 'off' }), /--admin-listen must not be off/);
  });

  test('host:port parsing', () => {
    assert.deepEqual(splitHostPort('pod-1.peers:9180'), { host: 'pod-1.peers', port: 9180 });
    assert.deepEqual(splitHostPort('[::1]:80'), { host: '::1', port: 80 });
    assert.equal(splitHostPort('a:0'), undefined);
    assert.equal(splitHostPort('a:70000'), undefined);
  });
});

describe('dialTargets', () => {
  const self = { addresses: new Set(['127.0.0.1', '10.244.0.5', 'localhost']), port: 9180, known: new Set<string>() };

  test("this sidecar's own listener is skipped; other ports on this host are peers", () => {
    assert.deepEqual(dialTargets(['10.244.0.5:9180', '10.244.0.6:9180', '127.0.0.1:9181', 'localhost:9180'], self), ['10.244.0.6:9180', '127.0.0.1:9181']);
  });

  test('duplicates collapse, order is stable, junk is ignored', () => {
    assert.deepEqual(dialTargets(['10.0.0.9:9180', 'junk', '10.0.0.8:9180', '10.0.0.9:9180'], self), ['10.0.0.8:9180', '10.0.0.9:9180']);
  });

  test('an address a handshake showed to be this sidecar is skipped', () => {
    assert.deepEqual(dialTargets(['my-alias:9180', '10.0.0.8:9180'], { ...self, known: new Set(['my-alias:9180']) }), ['10.0.0.8:9180']);
  });
});
