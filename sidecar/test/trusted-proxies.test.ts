import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrustedProxies } from '../src/http/trusted-proxies.js';

describe('trusted proxies', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);

  it('matches IPv4 and IPv6 CIDRs, and IPv4-mapped addresses', () => {
    assert.ok(proxies.trusts('10.2.3.4'));
    assert.ok(proxies.trusts('::ffff:10.2.3.4'));
    assert.ok(proxies.trusts('192.168.1.5'));
    assert.ok(!proxies.trusts('192.168.1.6'));
    assert.ok(proxies.trusts('fd12::1'));
    assert.ok(!proxies.trusts('fe80::1'));
    assert.ok(!proxies.trusts('not-an-ip'));
  });

  it('walks X-Forwarded-For from the right, stopping at the first untrusted hop', () => {
    const view = proxies.resolve('10.0.0.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.2' }, false);
    assert.equal(view.address, '203.0.113.9', 'a spoofed left-most entry is ignored');
  });

  it('ignores forwarding headers from untrusted peers', () => {
    const view = proxies.resolve('8.8.8.8', { 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil' }, false);
    assert.deepEqual(view, { address: '8.8.8.8', proto: 'http', host: undefined, port: undefined });
  });

  it('takes proto, host and port from a trusted proxy', () => {
    const view = proxies.resolve('10.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example', 'x-forwarded-port': '8443' }, false);
    assert.deepEqual(view, { address: '10.0.0.1', proto: 'https', host: 'shop.example', port: '8443' });
  });

  it('refuses entries that are not addresses', () => {
    assert.throws(() => new TrustedProxies(['10.0.0.0/33']), /--trusted-proxies/);
    assert.throws(() => new TrustedProxies(['example.com']), /--trusted-proxies/);
  });
});
