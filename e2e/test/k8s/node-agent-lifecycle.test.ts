import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HarnessRun, ipSync, markedProcesses } from '../../src/k8s/harness-run.js';
import type { Container, Pod } from '../../src/k8s/pod-types.js';
import { clusterSkipReason, podReady, startTestCluster } from '../../src/k8s/test-cluster.js';
import type { TestCluster } from '../../src/k8s/test-cluster.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { processAlive } from '../../src/process-alive.js';

const ns = 'agent-life';

function echo(extra: Partial<Container> = {}): Container {
  return { name: 'echo', image: 'askr-e2e/echo:dev', readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 }, ...extra };
}

const pidOf = (pod: Pod): number => Number(/(\d+)$/.exec(pod.status?.containerStatuses?.[0]?.containerID ?? '')?.[1]);

describe('node agent: probes, restarts, termination', { skip: clusterSkipReason() }, () => {
  let c: TestCluster;

  before(async () => {
    c = await startTestCluster({ agent: { namespaces: [ns], backoff: { initialMs: 500, maxMs: 2000 } } });
    await c.createNamespace(ns);
  });
  after(async () => {
    await c.stop();
  });

  async function create(name: string, spec: Record<string, unknown>): Promise<void> {
    await c.api.request('POST', `/api/v1/namespaces/${ns}/pods`, { body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec } });
  }
  const post = (pod: Pod, path: string): Promise<Response> => fetch(`http://${pod.status?.podIP ?? ''}:8080${path}`, { method: 'POST', signal: AbortSignal.timeout(5000) });

  it('takes a pod out of Ready when its readiness probe fails, without restarting it', async () => {
    await create('readiness', { containers: [echo()] });
    const pod = await c.waitForPod(ns, 'readiness', podReady);
    await post(pod, '/unhealthy');
    const unready = await c.waitForPod(ns, 'readiness', (p) => !podReady(p));
    const status = unready.status?.containerStatuses?.[0];
    assert.ok(status);
    assert.equal(status.ready, false);
    assert.equal(status.restartCount, 0);
    assert.equal(unready.status?.phase, 'Running');
  });

  it('restarts a container whose liveness probe fails, and records why', async () => {
    await create('liveness', { terminationGracePeriodSeconds: 2, containers: [echo({ livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 } })] });
    const pod = await c.waitForPod(ns, 'liveness', podReady);
    const firstPid = pidOf(pod);
    await post(pod, '/unhealthy');
    const restarted = await c.waitForPod(ns, 'liveness', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && podReady(p));
    assert.notEqual(pidOf(restarted), firstPid);
    assert.equal(processAlive(firstPid), false, 'the unhealthy process is gone');
    assert.equal(restarted.status?.containerStatuses?.[0]?.lastState.terminated?.exitCode, 0, 'it exited on SIGTERM');
    assert.match(c.agent.logs(ns, 'liveness', 'echo', { previous: true }), /SIGTERM/);
    // The agent posts its Events fire-and-forget, so the Unhealthy one may land after the restart shows in status.
    let reasons: string[] = [];
    await waitFor('an Unhealthy event "liveness probe failed" about the pod', { timeoutMs: 10_000, intervalMs: 200 }, async () => {
      const events = await c.api.request<{ items: { reason: string; message: string }[] }>('GET', `/api/v1/namespaces/${ns}/events`, { query: { fieldSelector: 'involvedObject.name=liveness' } });
      reasons = events.items.map((e) => e.reason);
      return events.items.some((e) => e.reason === 'Unhealthy' && /liveness probe failed/.test(e.message));
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; events seen: ${JSON.stringify(reasons)}`, { cause: err });
    });
  });

  it('restarts a crashed container with back-off and reports its last state', async () => {
    await create('crash', { containers: [echo()] });
    let pod = await c.waitForPod(ns, 'crash', podReady);
    await post(pod, '/exit/3');
    pod = await c.waitForPod(ns, 'crash', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && podReady(p));
    const last = pod.status?.containerStatuses?.[0]?.lastState.terminated;
    assert.ok(last);
    assert.equal(last.exitCode, 3);
    assert.equal(last.reason, 'Error');
    await post(pod, '/exit/4');
    // The second restart waits for the back-off, visible as CrashLoopBackOff.
    await c.waitForPod(ns, 'crash', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
    pod = await c.waitForPod(ns, 'crash', (p) => p.status?.containerStatuses?.[0]?.restartCount === 2 && podReady(p));
    assert.equal(pod.status?.containerStatuses?.[0]?.lastState.terminated?.exitCode, 4);
  });

  it('ends pods per restartPolicy: Never fails, OnFailure completes', async () => {
    await create('never', { restartPolicy: 'Never', containers: [{ name: 'x', image: 'askr/php:dev', command: ['php', '-r', 'exit(1);'] }] });
    await create('onfailure', { restartPolicy: 'OnFailure', containers: [{ name: 'x', image: 'askr/php:dev', command: ['php', '-r', 'echo "done\\n";'] }] });
    const never = await c.waitForPod(ns, 'never', (p) => p.status?.phase === 'Failed');
    assert.equal(never.status?.containerStatuses?.[0]?.state.terminated?.exitCode, 1);
    const ok = await c.waitForPod(ns, 'onfailure', (p) => p.status?.phase === 'Succeeded');
    assert.equal(ok.status?.containerStatuses?.[0]?.state.terminated?.reason, 'Completed');
    assert.equal(c.agent.logs(ns, 'onfailure', 'x'), 'done\n');
  });

  it('deletes a pod gracefully: SIGTERM, the process finishes, then the pod is removed', async () => {
    await create('graceful', { terminationGracePeriodSeconds: 30, containers: [echo({ env: [{ name: 'TERM_DELAY_MS', value: '500' }] })] });
    const pod = await c.waitForPod(ns, 'graceful', podReady);
    const pid = pidOf(pod);
    await c.api.request('DELETE', `/api/v1/namespaces/${ns}/pods/graceful`);
    await waitFor('the pod to be removed', { timeoutMs: 30_000, intervalMs: 100 }, async () => (await c.api.getOrUndefined(`/api/v1/namespaces/${ns}/pods/graceful`)) === undefined);
    assert.equal(processAlive(pid), false);
    // It was asked, and finished on its own: the log shows both steps.
    assert.match(c.agent.logs(ns, 'graceful', 'echo'), /echo-server: SIGTERM\necho-server: exiting\n$/);
  });

  it('kills a container that ignores SIGTERM once the grace period ends', async () => {
    await create('stubborn', { terminationGracePeriodSeconds: 1, containers: [{ name: 'sh', image: 'askr/php:dev', command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'] }] });
    const pod = await c.waitForPod(ns, 'stubborn', (p) => p.status?.containerStatuses?.[0]?.state.running !== undefined);
    const pid = pidOf(pod);
    await c.api.request('DELETE', `/api/v1/namespaces/${ns}/pods/stubborn`);
    await waitFor('the pod to be removed', { timeoutMs: 30_000, intervalMs: 100 }, async () => (await c.api.getOrUndefined(`/api/v1/namespaces/${ns}/pods/stubborn`)) === undefined);
    await waitFor('the process group to be gone', { timeoutMs: 5000 }, () => !processAlive(pid));
  });

  it('keeps its pods running across an API server restart and resumes its watch', async () => {
    await create('before-restart', { containers: [echo()] });
    const first = await c.waitForPod(ns, 'before-restart', podReady);
    await c.cp.restartApiServer();
    await create('after-restart', { containers: [echo()] });
    await c.waitForPod(ns, 'after-restart', podReady);
    const still = await c.waitForPod(ns, 'before-restart', podReady);
    assert.equal(pidOf(still), pidOf(first), 'the pod was not restarted');
    assert.equal(still.status?.containerStatuses?.[0]?.restartCount, 0);
  });

  it('stops every pod process and removes its networks and links when stopped', async () => {
    await create('left-running', { containers: [echo()] });
    await c.waitForPod(ns, 'left-running', podReady);
    const run = HarnessRun.current();
    const running = markedProcesses().filter((p) => p.owner === run.id).length;
    await c.agent.stop();
    // Only the control plane (etcd, kube-apiserver, kube-controller-manager) remains of this run.
    await waitFor('pod processes to be gone', { timeoutMs: 10_000 }, () => markedProcesses().filter((p) => p.owner === run.id).length === 3);
    assert.ok(running > 3);
    assert.equal(ipSync(['netns', 'list']).includes(`askr-e2e-${run.id}-`), false, 'no pod network namespace left');
    assert.equal(ipSync(['link', 'show']).includes(`askr-e2e:${run.id}`), false, 'no veth or bridge left');
  });
});
