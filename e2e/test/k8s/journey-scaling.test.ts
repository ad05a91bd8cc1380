import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AskrApp } from '../../../operator/src/crd/askr-app-schema.js';
import type { KubeObject } from '../../../operator/src/kube/kube-object.js';
import { resourceTypes } from '../../../operator/src/kube/resource-type.js';
import { FleetRecorder } from '../../src/k8s/journeys/fleet-recorder.js';
import type { FleetSample } from '../../src/k8s/journeys/fleet-recorder.js';
import { journeySkipReason, startJourneyCluster } from '../../src/k8s/journeys/journey-cluster.js';
import type { JourneyCluster } from '../../src/k8s/journeys/journey-cluster.js';
import { WrkLoad, wrkAvailable } from '../../src/k8s/journeys/wrk-load.js';
import type { WrkSummary } from '../../src/k8s/journeys/wrk-load.js';
import { waitFor } from '../../src/k8s/wait-for.js';
import { adminToken } from './operator-support.js';

const ns = 'shop';
const app = 'shop';
const workers = { min: 1, max: 4 };

// Small windows so the whole cycle takes about a minute: the operator decides
// every 5 s, adds a pod after 5 s at the ceiling with a backlog and removes
// one after 10 s of lower demand. Each request sleeps 200 ms in PHP, so the
// burst keeps workers busy without using the CPU; 12 connections want 17
// workers at the 70 % target, more than one pod's ceiling of 4.
const manifest = `apiVersion: askr.dev/v1alpha1
kind: AskrApp
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  image: askr/laravel:dev
  workerScript: /app/worker.php
  replicas: { min: 1, max: 2 }
  workers: { min: ${workers.min}, max: ${workers.max}, requestTimeoutSeconds: 5 }
  scaling: { intervalSeconds: 5, scaleUpWindowSeconds: 5, scaleDownWindowSeconds: 10, maxReplicaStep: 1 }
`;

function skipReason(): string | false {
  return journeySkipReason() || (wrkAvailable() ? false : 'wrk is not installed');
}

/** Consecutive repeats folded: [1, 1, 2, 2, 1] → [1, 2, 1]. */
function runs<T>(values: T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

/**
 * Journey 4, two-stage scaling under a real load burst: the sidecar grows its
 * workers inside the pod, the operator raises the pod's ceiling, then adds a
 * replica once the pod is at its ceiling and the queue stays deep; after the
 * burst it removes the replica first, lowers the ceiling last, and the sidecar
 * harvests its idle workers — each step seen in status, Events and the pods'
 * own metrics, with no step taken twice.
 */
describe('journey: a load burst scales workers first, then replicas, and back', { skip: skipReason() }, () => {
  let j: JourneyCluster;
  let recorder: FleetRecorder | undefined;
  let load: WrkLoad | undefined;
  let burst: WrkSummary | undefined;
  let peak: FleetSample | undefined;
  let grown: FleetSample | undefined;

  before(async () => {
    j = await startJourneyCluster({ namespaces: [ns] });
    const r = await j.kubectl(['apply', '-f', '-'], { input: manifest });
    assert.equal(r.code, 0, r.stderr);
    await waitFor('one ready pod, scraped', { timeoutMs: 120_000, intervalMs: 250 }, async () => {
      const a = await j.client.get<AskrApp>(resourceTypes.askrApps, ns, app);
      return a?.status?.readyReplicas === 1 && a.status.busyRatio !== undefined;
    });
    recorder = FleetRecorder.start(j.client, ns, app, await adminToken(j.client, ns, app));
  });
  after(async () => {
    await load?.stop();
    await recorder?.stop();
    await j.stop();
  });

  it('under the burst, workers grow inside the pod up to its ceiling before a replica is added', async (t) => {
    const rec = recorder!;
    const idle = await rec.waitFor('an idle sample', (s) => s.pods.length === 1, 30_000);
    assert.deepEqual([idle.replicas, idle.workersPerPod, idle.pods[0]?.alive, idle.pods[0]?.ceiling], [1, workers.min, workers.min, workers.min]);

    const svc = await j.client.get<KubeObject & { spec: { clusterIP: string } }>(resourceTypes.services, ns, app);
    load = WrkLoad.start({ url: `http://${svc?.spec.clusterIP ?? ''}:80/slow?ms=200`, connections: 12, seconds: 90 });
    peak = await rec.waitFor('one pod at its highest ceiling, all its workers forked, requests queued', (s) =>
      s.replicas === 1 && s.workersPerPod === workers.max && s.pods.length === 1
      && s.pods[0]!.ceiling === workers.max && s.pods[0]!.alive === workers.max && s.pods[0]!.queue > 0, 60_000);
    grown = await rec.waitFor('a second ready pod', (s) => s.replicas === 2 && s.pods.length === 2, 90_000);
    burst = await load.stop();
    assert.ok(burst.requests > 0, burst.output);
    t.diagnostic(`burst: ${burst.requests} responses, ${burst.non2xx} not 2xx/3xx, socket errors: ${burst.socketErrors ?? 'none'}`);

    const events = (await rec.events()).filter((e) => e.type === 'Normal' && e.reason !== 'Created');
    assert.deepEqual(runs(events.map((e) => e.reason)), ['RaisedWorkerCeiling', 'AddedReplicas'], JSON.stringify(events));
    assert.match(events.find((e) => e.reason === 'AddedReplicas')?.note ?? '', /at the ceiling; replicas → 2$/);
    const before = await j.client.get<AskrApp>(resourceTypes.askrApps, ns, app);
    assert.equal(before?.status?.lastScale?.reason, 'AddedReplicas');
  });

  it('after the burst, the replica goes first, the ceiling last, idle workers are harvested, and nothing flaps', async (t) => {
    const rec = recorder!;
    assert.ok(peak && grown, 'the burst reached its peak and added a pod');
    const up = grown;
    // The pod that stays is the first one: the ReplicaSet removes the newest.
    const stays = peak.pods[0]!.pod;
    const shrunk = await rec.waitFor('one replica left, still allowed its highest ceiling', (s) =>
      s.at > up.at && s.replicas === 1 && s.workersPerPod === workers.max, 90_000);
    await rec.waitFor('the ceiling lowered and idle workers harvested', (s) =>
      s.at > shrunk.at && s.replicas === 1 && s.workersPerPod === workers.min && s.pods.length === 1 && s.pods[0]!.pod === stays
      && s.pods[0]!.ceiling === workers.min && s.pods[0]!.alive === workers.min && s.pods[0]!.busy === 0, 90_000);

    const events = (await rec.events()).filter((e) => e.type === 'Normal' && e.reason !== 'Created');
    for (const e of events) t.diagnostic(`${e.time} ${e.reason}: ${e.note}`);
    assert.deepEqual(runs(events.map((e) => e.reason)), ['RaisedWorkerCeiling', 'AddedReplicas', 'RemovedReplicas', 'LoweredWorkerCeiling'], JSON.stringify(events));
    for (const reason of ['AddedReplicas', 'RemovedReplicas']) assert.equal(events.filter((e) => e.reason === reason).length, 1, `one ${reason}`);
    const seen = rec.samples.filter((s) => s.replicas !== undefined);
    assert.deepEqual(runs(seen.map((s) => s.replicas)), [1, 2, 1], 'replicas went up once and down once');

    const final = await j.client.get<AskrApp>(resourceTypes.askrApps, ns, app);
    assert.deepEqual([final?.status?.replicas, final?.status?.workersPerPod, final?.status?.lastScale?.reason], [1, workers.min, 'LoweredWorkerCeiling']);
    const deployment = await j.client.get<KubeObject & { spec: { replicas: number } }>(resourceTypes.deployments, ns, app);
    assert.equal(deployment?.spec.replicas, 1);
  });
});
