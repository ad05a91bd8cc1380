// The node agent's pure parts, without a cluster: quantities, $(VAR) expansion,
// argv rules, the image registry and the pod status a kubelet would write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandVars } from '../../src/k8s/container-env.js';
import { containerArgv } from '../../src/k8s/container-launch.js';
import { ImageRegistry, normalizeImageRef, repoRoot } from '../../src/k8s/images.js';
import type { LocalImage } from '../../src/k8s/images.js';
import { buildPodStatus } from '../../src/k8s/pod-status.js';
import type { PodStatusInput } from '../../src/k8s/pod-status.js';
import type { ContainerStatus, Pod } from '../../src/k8s/pod-types.js';
import { parseQuantity, resourceValue } from '../../src/k8s/quantity.js';

describe('resource quantities', () => {
  it('parses decimal, binary and exponent suffixes', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
    assert.equal(parseQuantity('1.5G'), 1.5e9);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity(3), 3);
    assert.throws(() => parseQuantity('12 apples'), /not a resource quantity/);
  });

  it('divides by the divisor and rounds up, as resourceFieldRef does', () => {
    assert.equal(resourceValue('250m', undefined), '1');
    assert.equal(resourceValue('256Mi', '1Mi'), '256');
    assert.equal(resourceValue('1500m', '100m'), '15');
    assert.equal(resourceValue('300m', '100m'), '3');
  });
});

describe('$(VAR) expansion and argv', () => {
  const env = { PORT: '8080', NAME: 'web' };

  it('replaces defined names, keeps undefined ones and unescapes $$', () => {
    assert.equal(expandVars('$(NAME):$(PORT) $(MISSING) $$(PORT) $$$(PORT)', env), 'web:8080 $(MISSING) $(PORT) $8080');
  });

  it("applies command and args over the image's entrypoint and cmd", () => {
    const image: LocalImage = { layers: [], entrypoint: ['askr'], cmd: ['serve'], env: {}, workingDir: '/' };
    const c = { name: 'c', image: 'x' };
    assert.deepEqual(containerArgv(image, c, env), ['askr', 'serve']);
    assert.deepEqual(containerArgv(image, { ...c, args: ['serve', '--listen=:$(PORT)'] }, env), ['askr', 'serve', '--listen=:8080']);
    assert.deepEqual(containerArgv(image, { ...c, command: ['php', '$(NAME).php'] }, env), ['php', 'web.php'], 'a command alone drops the CMD');
    assert.deepEqual(containerArgv(image, { ...c, command: ['sh'], args: ['-c', 'echo $(NAME)'] }, env), ['sh', '-c', 'echo web']);
  });
});

describe('image registry', () => {
  it('normalises Docker Hub names and default tags', () => {
    assert.equal(normalizeImageRef('docker.io/library/nginx'), 'nginx:latest');
    assert.equal(normalizeImageRef('docker.io/askr/sidecar:dev'), 'askr/sidecar:dev');
    assert.equal(normalizeImageRef('localhost:5000/app'), 'localhost:5000/app:latest');
  });

  it("maps the development images and the chart's published names to the repository", () => {
    const reg = ImageRegistry.withDefaults();
    assert.deepEqual(reg.resolve('ghcr.io/askr-dev/askr-sidecar:0.1.0'), reg.resolve('askr/sidecar:dev'));
    assert.deepEqual(reg.resolve('ghcr.io/askr-dev/askr-operator:0.1.0').entrypoint, ['askr-operator']);
    const laravel = reg.resolve('ghcr.io/askr-dev/askr-example-laravel:0.1.0');
    assert.deepEqual(
      laravel.layers.map((l) => [l.hostPath.slice(repoRoot.length), l.containerPath]),
      [
        ['examples/laravel', '/app'],
        ['php-image/runtime', '/opt/askr/runtime'],
      ],
    );
    assert.throws(() => reg.resolve('askr/no-such-example:dev'), { code: 'ASKR_ERR_K8S_IMAGE' });
    assert.throws(() => reg.resolve('example.com/other:1'), { code: 'ASKR_ERR_K8S_IMAGE' });
  });

  it('takes images a test registers', () => {
    const reg = ImageRegistry.withDefaults();
    const img: LocalImage = { layers: [], entrypoint: ['true'], cmd: [], env: {}, workingDir: '/' };
    reg.register('example.com/tool:1', img);
    assert.equal(reg.resolve('example.com/tool:1'), img);
  });
});

describe('pod status', () => {
  const pod: Pod = { metadata: { name: 'p', namespace: 'n', uid: 'u' }, spec: { containers: [{ name: 'a', image: 'i' }], readinessGates: [{ conditionType: 'example.com/gate' }] } };
  const running = (ready: boolean): ContainerStatus => ({ name: 'a', image: 'i', imageID: '', ready, started: true, restartCount: 0, state: { running: { startedAt: 't' } }, lastState: {} });
  const input = (over: Partial<PodStatusInput>): PodStatusInput => ({
    pod,
    phase: 'Running',
    podIp: '10.244.1.2',
    hostIp: '10.244.1.1',
    startTime: 't',
    sandboxReady: true,
    initialized: true,
    initContainerStatuses: [],
    containerStatuses: [running(true)],
    sidecarNames: [],
    ...over,
  });
  const cond = (s: ReturnType<typeof buildPodStatus>, type: string): string | undefined => s.conditions?.find((c) => c.type === type)?.status;

  it('is Ready only when the containers are ready and every readiness gate is True', () => {
    const gated = buildPodStatus(input({}));
    assert.equal(cond(gated, 'ContainersReady'), 'True');
    assert.equal(cond(gated, 'Ready'), 'False');
    assert.equal(gated.conditions?.find((c) => c.type === 'Ready')?.reason, 'ReadinessGatesNotReady');
    const opened = buildPodStatus(input({ pod: { ...pod, status: { conditions: [{ type: 'example.com/gate', status: 'True' }] } } }));
    assert.equal(cond(opened, 'Ready'), 'True');
    assert.equal(cond(opened, 'example.com/gate'), 'True', "others' conditions are kept");
    const unready = buildPodStatus(input({ containerStatuses: [running(false)] }));
    assert.equal(unready.conditions?.find((c) => c.type === 'ContainersReady')?.message, 'containers with unready status: [a]');
  });

  it('keeps lastTransitionTime while a condition holds', () => {
    const before = { type: 'ContainersReady', status: 'True' as const, lastTransitionTime: '2020-01-01T00:00:00Z' };
    const s = buildPodStatus(input({ pod: { ...pod, status: { conditions: [before] } } }));
    assert.equal(s.conditions?.find((c) => c.type === 'ContainersReady')?.lastTransitionTime, '2020-01-01T00:00:00Z');
    const flipped = buildPodStatus(input({ pod: { ...pod, status: { conditions: [before] } }, containerStatuses: [running(false)] }));
    assert.notEqual(flipped.conditions?.find((c) => c.type === 'ContainersReady')?.lastTransitionTime, '2020-01-01T00:00:00Z');
  });
});
