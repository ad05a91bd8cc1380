import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ListWatch } from '../src/controller/list-watch.js';
import type { CacheEvent } from '../src/controller/list-watch.js';
import { silentLogger } from '../src/controller/logger.js';
import { KubeClient } from '../src/kube/kube-client.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { resourceTypes } from '../src/kube/resource-type.js';

const cm = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });

/**
 * A scripted API server for one collection: the list answers with `state`,
 * each watch plays the next script entry. It reproduces what a real server
 * does on demand only rarely: a stream that ends, a bookmark, 410 Gone.
 */
test('resumes from the last resourceVersion (bookmarks too) and relists on 410, emitting deletions', async (t) => {
  let state = { rv: '10', items: [cm('a', '5'), cm('b', '6')] };
  const watchRvs: string[] = [];
  const lists: number[] = [];
  const open: ServerResponse[] = [];
  const scripts: ((res: ServerResponse) => void)[] = [
    (res) => {
      res.write(`${JSON.stringify({ type: 'MODIFIED', object: cm('b', '11') })}\n`);
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } })}\n`);
      res.end();
    },
    (res) => {
      state = { rv: '20', items: [cm('b', '11'), cm('c', '19')] };
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`);
    },
    (res) => { open.push(res); },
  ];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    assert.equal(url.pathname, '/api/v1/configmaps');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (url.searchParams.get('watch') === 'true') {
      watchRvs.push(url.searchParams.get('resourceVersion') ?? '');
      assert.equal(url.searchParams.get('allowWatchBookmarks'), 'true');
      const script = scripts.shift();
      if (script) script(res);
      else open.push(res);
      return;
    }
    lists.push(Date.now());
    res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: state.rv }, items: state.items }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 't', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }], contexts: [{ name: 't', cluster: 't', user: 'u' }], currentContext: 't',
  });
  const lw = new ListWatch<KubeObject>({ client: new KubeClient(kc), type: resourceTypes.configMaps, log: silentLogger, backoff: { initialMs: 10, maxMs: 50 } });
  t.after(async () => {
    await lw.stop();
    for (const r of open) r.end();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => { r(); }));
  });
  const events: string[] = [];
  lw.on((ev: CacheEvent<KubeObject>) => events.push(`${ev.type} ${ev.object.metadata.name ?? ''}@${ev.object.metadata.resourceVersion ?? ''}`));

  await lw.start();
  assert.deepEqual(lw.list().map((o) => o.metadata.name).sort(), ['a', 'b']);
  const deadline = Date.now() + 10_000;
  while (watchRvs.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(watchRvs, ['10', '15', '20'], 'watch from the list, resume from the bookmark, then from the relist');
  assert.equal(lists.length, 2, 'one relist after 410');
  assert.deepEqual(events, ['ADDED a@5', 'ADDED b@6', 'MODIFIED b@11', 'ADDED c@19', 'DELETED a@5']);
  assert.deepEqual(lw.list().map((o) => o.metadata.name).sort(), ['b', 'c']);
  assert.equal(lw.resourceVersion, '20');
});
