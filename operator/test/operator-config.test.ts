import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOperatorConfig } from '../src/config/operator-config.js';

test('defaults, environment and flags (flags win)', () => {
  const c = loadOperatorConfig(['--log-level', 'debug'], { ASKR_SIDECAR_IMAGE: 'askr/sidecar:1', POD_NAME: 'op-0', POD_NAMESPACE: 'askr-system', ASKR_LOG_LEVEL: 'warn' });
  assert.equal(c.sidecarImage, 'askr/sidecar:1');
  assert.equal(c.identity, 'op-0');
  assert.equal(c.leaseNamespace, 'askr-system');
  assert.equal(c.leaseName, 'askr-operator');
  assert.equal(c.leaderElect, true);
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.watchNamespace, undefined);
  assert.deepEqual(c.healthListen, { host: '0.0.0.0', port: 8081 });
});

test('bad values fail at start naming the flag', () => {
  const env = { ASKR_SIDECAR_IMAGE: 's' };
  assert.throws(() => loadOperatorConfig([], {}), { code: 'ASKR_ERR_CONFIG', message: /--sidecar-image/ });
  assert.throws(() => loadOperatorConfig(['--leader-elect', 'yes'], env), { message: /--leader-elect/ });
  assert.throws(() => loadOperatorConfig(['--health-listen', 'nope'], env), { message: /--health-listen/ });
  assert.throws(() => loadOperatorConfig(['--concurrency', '0'], env), { message: /--concurrency/ });
  assert.throws(() => loadOperatorConfig(['--no-such-flag'], env), { code: 'ASKR_ERR_CONFIG' });
});
