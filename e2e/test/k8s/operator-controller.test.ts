import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cause, HandlerContext } from '../../../operator/src/controller/controller.js';
import { EventRecorder } from '../../../operator/src/controller/event-recorder.js';
import { Operator } from '../../../operator/src/controller/operator.js';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import { PermanentError, TemporaryError } from '../../../operator/src/errors.js';
import type { KubeClient } from '../../../operator/src/kube/kube-client.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { controlPlaneAvailable } from '../../src/k8s/control-plane.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { createApp, createNamespace, eventsAbout, startOperatorCluster, testLogger } from './operator-support.js';
import type { OperatorCluster } from './operator-support.js';

const skip = controlPlaneAvailable() ? false : 'Kubernetes test binaries missing: run scripts/setup-k8s.sh';

/**
 * The kopf-style layer on its own (not the AskrApp controller), against a real
 * API server: causes, status patching, finalizer-backed deletion, typed
 * errors, timers, Events, and watches that survive an API server restart.
 */
describe('controller layer against a real API server', { skip }, () => {
  let cluster: OperatorCluster;
  let client: KubeClient;
  const ns = 'layer';
  const seen: { key: string; cause: Cause; generation: number | undefined }[] = [];
  const ticks = new Map<string, number>();
  let deleteAttempts = 0;
  let operators: Operator[] = [];

  /** A controller over AskrApps with recording handlers; the behaviour per object comes from its labels. */
  async function startLayer(identity: string): Promise<Operator> {
    const op = new Operator({ client, log: testLogger(), name: 'askr.dev/layer-test', identity });
    const ctl = op.controller<AskrApp>(resourceTypes.askrApps, { namespace: ns, finalizer: 'askr.dev/layer-test', baseDelayMs: 100 });
    ctl.on(['create', 'update', 'resume', 'resync'], (ctx: HandlerContext<AskrApp>) => {
      seen.push({ key: ctx.key, cause: ctx.cause, generation: ctx.object.metadata.generation });
      const mode = ctx.object.metadata.labels?.mode;
      if (mode === 'permanent') throw new PermanentError('this spec can never work');
      if (mode === 'flaky' && ctx.retry < 2) throw new Error(`flaky failure ${ctx.retry + 1}`);
      ctx.statusPatch.queueDepth = seen.filter((s) => s.key === ctx.key).length;
      if (ctx.cause === 'create') ctx.event('Normal', 'Test', 'Handled', `handled ${ctx.key}`);
      return undefined;
    });
    ctl.on('delete', (ctx) => {
      // The retry is 2 s away so the finalizer visibly holds the object for a while: the test reads it
      // after its delete call returns, and a short retry could already have let it go by then.
      if (ctx.object.metadata.labels?.mode === 'slow-delete' && deleteAttempts++ === 0) throw new TemporaryError('not yet', 2000);
    });
    ctl.timer((ctx) => {
      const n = (ticks.get(ctx.key) ?? 0) + 1;
      ticks.set(ctx.key, n);
      ctx.statusPatch.busyRatio = n / 100;
    }, { intervalMs: 300, initialDelayMs: 100 });
    await op.start();
    operators.push(op);
    return op;
  }

  const stopAll = async (): Promise<void> => {
    await Promise.all(operators.map((o) => o.stop()));
    operators = [];
  };

  before(async () => {
    cluster = await startOperatorCluster({ controllerManager: false });
    client = cluster.client;
    await createNamespace(client, ns);
  });
  after(async () => {
    await stopAll();
    await cluster.stop();
  });

  const get = (name: string): Promise<AskrApp | undefined> => client.get<AskrApp>(resourceTypes.askrApps, ns, name);
  const causes = (name: string): Cause[] => seen.filter((s) => s.key === `${ns}/${name}`).map((s) => s.cause);

  it('create, then update on a spec change, resync on a label change; observedGeneration follows', async () => {
    await startLayer('layer-1');
    await createApp(client, ns, 'a', { image: 'a:1' });
    await waitFor('observedGeneration 1', { timeoutMs: 15_000 }, async () => (await get('a'))?.status?.observedGeneration === 1);
    assert.deepEqual(causes('a'), ['create']);
    const withFinalizer = await get('a');
    assert.deepEqual(withFinalizer?.metadata.finalizers, ['askr.dev/layer-test'], 'a blocking delete handler puts a finalizer first');
    await client.patch(resourceTypes.askrApps, ns, 'a', { spec: { image: 'a:2' } });
    await waitFor('observedGeneration 2', { timeoutMs: 15_000 }, async () => (await get('a'))?.status?.observedGeneration === 2);
    assert.deepEqual(causes('a'), ['create', 'update']);
    await client.patch(resourceTypes.askrApps, ns, 'a', { metadata: { labels: { touched: 'yes' } } });
    await waitFor('a resync pass', { timeoutMs: 15_000 }, () => causes('a').includes('resync'));
    const events = await eventsAbout(client, ns, 'a');
    assert.ok(events.some((e) => e.reason === 'Handled' && e.note === `handled ${ns}/a`));
  });

  it('timers run per object, write status, and never touch a status-only change into a reconcile', async () => {
    const before = causes('a').length;
    await waitFor('three timer ticks on a', { timeoutMs: 15_000 }, () => (ticks.get(`${ns}/a`) ?? 0) >= 3);
    await waitFor('the timer\'s status write', { timeoutMs: 15_000 }, async () => ((await get('a'))?.status?.busyRatio ?? 0) >= 0.02);
    assert.equal(causes('a').length, before, 'status writes by the timer cause no reconcile pass');
  });

  it('a restarted operator sees existing objects as resume', async () => {
    await stopAll();
    await startLayer('layer-2');
    await waitFor('a resume pass', { timeoutMs: 15_000 }, () => causes('a').at(-1) === 'resume');
  });

  it('a failing handler is retried with backoff until it succeeds', async () => {
    await client.create(resourceTypes.askrApps, {
      apiVersion: 'askr.dev/v1alpha1', kind: 'AskrApp', metadata: { name: 'flaky', namespace: ns, labels: { mode: 'flaky' } }, spec: { image: 'x' },
    } as unknown as AskrApp);
    await waitFor('flaky handled', { timeoutMs: 20_000 }, async () => (await get('flaky'))?.status?.observedGeneration === 1);
    assert.deepEqual(causes('flaky'), ['create', 'create', 'create'], 'two failures, then success; the cause stays create');
    // Events are sent fire-and-forget, so the Warning may land after the status patch of the success.
    await waitFor('the HandlerError warning for flaky failure 1', { timeoutMs: 10_000 }, async () =>
      (await eventsAbout(client, ns, 'flaky')).some((e) => e.type === 'Warning' && e.reason === 'HandlerError' && /flaky failure 1/.test(e.note)));
  });

  it('a PermanentError stops retries until the object changes', async () => {
    await client.create(resourceTypes.askrApps, {
      apiVersion: 'askr.dev/v1alpha1', kind: 'AskrApp', metadata: { name: 'perm', namespace: ns, labels: { mode: 'permanent' } }, spec: { image: 'x' },
    } as unknown as AskrApp);
    await waitFor('the HandlerFailed event', { timeoutMs: 15_000 }, async () => (await eventsAbout(client, ns, 'perm')).some((e) => e.reason === 'HandlerFailed'));
    assert.equal(causes('perm').length, 1);
    await client.patch(resourceTypes.askrApps, ns, 'perm', { metadata: { labels: { mode: 'fixed' } } });
    await waitFor('handled after the change', { timeoutMs: 15_000 }, async () => (await get('perm'))?.status?.observedGeneration === 1);
    assert.deepEqual(causes('perm'), ['create', 'create']);
  });

  it('deletion runs the delete handler behind the finalizer, honours TemporaryError, then lets the object go', async () => {
    await client.create(resourceTypes.askrApps, {
      apiVersion: 'askr.dev/v1alpha1', kind: 'AskrApp', metadata: { name: 'gone', namespace: ns, labels: { mode: 'slow-delete' } }, spec: { image: 'x' },
    } as unknown as AskrApp);
    await waitFor('the finalizer on gone', { timeoutMs: 15_000 }, async () => (await get('gone'))?.metadata.finalizers?.includes('askr.dev/layer-test'));
    await client.delete(resourceTypes.askrApps, ns, 'gone');
    assert.ok((await get('gone'))?.metadata.deletionTimestamp, 'the finalizer holds the object');
    await waitFor('gone to be deleted', { timeoutMs: 15_000 }, async () => (await get('gone')) === undefined);
    assert.equal(deleteAttempts, 2, 'one TemporaryError, then success');
  });

  it('repeated Events fold into one series', async () => {
    const recorder = new EventRecorder({ client, log: testLogger(), controller: 'askr.dev/layer-test', instance: 'x' });
    const a = await get('a');
    assert.ok(a);
    for (let i = 0; i < 3; i++) await recorder.record(a, 'Warning', 'Scale', 'Repeated', 'the same thing again');
    await recorder.record(a, 'Warning', 'Scale', 'Repeated', 'something else');
    const events = (await eventsAbout(client, ns, 'a')).filter((e) => e.reason === 'Repeated');
    assert.equal(events.length, 2);
    assert.equal(events.find((e) => e.note === 'the same thing again')?.series?.count, 3);
  });

  it('watches resume after the API server restarts', async () => {
    await cluster.cp.restartApiServer();
    await createApp(client, ns, 'after-restart', { image: 'x' });
    await waitFor('the new object handled', { timeoutMs: 60_000, intervalMs: 200 }, async () => (await get('after-restart'))?.status?.observedGeneration === 1);
    assert.deepEqual(causes('after-restart'), ['create']);
  });
});
