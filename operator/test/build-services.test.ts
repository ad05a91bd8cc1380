import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAdminSecret } from '../src/app/build-admin-secret.js';
import { buildServices } from '../src/app/build-services.js';
import { app } from './fixtures.js';

test('the Service forwards the service port to the sidecar, the peer Service is headless on the admin port', () => {
  const { service, peerService, podDisruptionBudget } = buildServices(app({ image: 'x', service: { port: 8000, annotations: { 'lb/x': 'y' } } }));
  assert.equal(service.metadata.name, 'shop');
  assert.deepEqual(service.metadata.annotations, { 'lb/x': 'y' });
  assert.deepEqual(service.spec.ports, [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
  assert.equal(service.spec.type, 'ClusterIP');
  assert.deepEqual(service.spec.selector, { 'askr.dev/app': 'shop' });
  assert.equal(peerService.metadata.name, 'shop-peers');
  assert.equal(peerService.spec.clusterIP, 'None');
  assert.equal(peerService.spec.publishNotReadyAddresses, true);
  assert.deepEqual(peerService.spec.ports, [{ name: 'admin', port: 9180, targetPort: 'admin', protocol: 'TCP' }]);
  assert.deepEqual(podDisruptionBudget?.spec, { maxUnavailable: 1, selector: { matchLabels: { 'askr.dev/app': 'shop' } } });
  for (const o of [service, peerService, podDisruptionBudget]) assert.equal(o.metadata.ownerReferences![0]!.controller, true);
});

test('a disabled PodDisruptionBudget is not built', () => {
  assert.equal(buildServices(app({ image: 'x', podDisruptionBudget: { enabled: false } })).podDisruptionBudget, undefined);
});

test('the admin Secret holds two independent random tokens', () => {
  const s = buildAdminSecret(app({ image: 'x' }));
  assert.equal(s.metadata.name, 'shop-askr-admin');
  const token = Buffer.from(s.data['admin-token'] ?? '', 'base64').toString();
  const peer = Buffer.from(s.data['peer-secret'] ?? '', 'base64').toString();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.match(peer, /^[0-9a-f]{64}$/);
  assert.notEqual(token, peer);
  assert.notEqual(Buffer.from(buildAdminSecret(app({ image: 'x' })).data['admin-token'] ?? '', 'base64').toString(), token);
});
