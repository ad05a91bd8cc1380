import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { controlPlaneAvailable } from '../../src/k8s/control-plane.js';
import { AdminEndpoint, adminToken, createApp, createNamespace, registerPod, startOperator, startOperatorCluster } from './operator-support.js';
import type { OperatorCluster } from './operator-support.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const tsxLoader = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');

/**
 * The API server's pod proxy dials the pod IP itself and refuses loopback and
 * link-local addresses, so without a node agent the pods' admin endpoints
 * listen on this machine's own global address (OS-chosen ports).
 */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return a.address;
  }
  return undefined;
}

const host = hostAddress();
const skip = !controlPlaneAvailable()
  ? 'Kubernetes test binaries missing: run scripts/setup-k8s.sh'
  : host === undefined ? 'no non-loopback IPv4 address for the API server\'s pod proxy to reach' : false;

interface Run { code: number; stdout: string; stderr: string }

/**
 * `kubectl askr …` run the way users run it: kubectl finds `kubectl-askr` on
 * PATH and hands it the arguments.
 */
describe('kubectl askr through a real kubectl and API server', { skip }, () => {
  let cluster: OperatorCluster;
  let dir: string;
  let kubectlEnv: Record<string, string>;
  const endpoints: AdminEndpoint[] = [];
  const ns = 'shop';
  const recordedId = '1783232551-89972-0';

  const kubectl = (args: string[], env: Record<string, string> = kubectlEnv): Promise<Run> => new Promise((resolve) => {
    execFile('kubectl', args, { env, cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });

  before(async () => {
    cluster = await startOperatorCluster({ controllerManager: false });
    const client = cluster.client;
    await createNamespace(client, ns);
    await createApp(client, ns, 'web', { image: 'shop:1' });
    // The operator creates the admin Secret; the plugin reads the token from it.
    const op = await startOperator(client);
    const token = await adminToken(client, ns, 'web');
    await op.stop();

    const appDir = mkdtempSync(join(tmpdir(), 'askr-plugin-'));
    dir = appDir;
    writeFileSync(join(dir, 'boom.php'), "<?php\nheader('X-Boom: yes');\nhttp_response_code(500);\necho 'boom uri=' . $_SERVER['REQUEST_URI'] . ' body=' . file_get_contents('php://input');\n");
    const body = Buffer.from('payload=42');
    const envelope = {
      version: 1, id: recordedId, time: '2026-06-30T10:05:00.000Z',
      app: { root: '/srv/public', workerScript: null, mode: 'classic' },
      request: {
        method: 'POST', uri: '/boom?debug=1', script: 'boom.php', pathInfo: '',
        server: { REQUEST_METHOD: 'POST', REQUEST_URI: '/boom?debug=1', QUERY_STRING: 'debug=1', SCRIPT_NAME: '/boom.php', CONTENT_TYPE: 'application/x-www-form-urlencoded', CONTENT_LENGTH: '10', SERVER_PROTOCOL: 'HTTP/1.1' },
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
        body: { file: `${recordedId}.body`, bytes: body.length, sha256: '' }, redacted: [],
      },
      response: { status: 500, headers: [['X-Boom', 'yes']], bodyStart: 'boom', bodyEncoding: 'utf8', bytes: 4, truncated: false },
      error: null, timing: { ms: 3 }, worker: { pid: 89972 },
    };
    const e0 = new AdminEndpoint(() => token, {
      alive: 4, busy: 1, max: 8, errors: [{ id: '1783230000-111-0', time: '2026-06-30T10:00:00.000Z', method: 'GET', uri: '/old', status: 502 }],
    });
    const e1 = new AdminEndpoint(() => token, {
      alive: 6, busy: 6, queue: 3, max: 6,
      errors: [{ id: recordedId, time: envelope.time, method: 'POST', uri: '/boom?debug=1', status: 500 }],
      envelopes: { [recordedId]: envelope }, bodies: { [recordedId]: body },
      replays: { [recordedId]: { status: 500, headers: [['X-Boom', 'yes']], body: 'boom uri=/boom?debug=1 body=payload=42' } },
    });
    for (const [i, e] of [e0, e1].entries()) {
      endpoints.push(e);
      await e.listen(host);
      await registerPod(client, ns, 'web', `web-${i}`, host ?? '', e.port);
    }

    // kubectl-askr on PATH, as `npm install -g` would put it: the compiled plugin.
    await exec(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'operator', 'tsconfig.json'), '--outDir', join(dir, 'dist')], { timeout: 300_000 });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'kubectl-askr'), `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'dist', 'kubectl', 'main.js')}" "$@"\n`);
    chmodSync(join(dir, 'kubectl-askr'), 0o755);
    // The local askr CLI (the sidecar package's bin) for replay --local.
    writeFileSync(join(dir, 'askr'), `#!/bin/sh\nexec "${process.execPath}" --import "${tsxLoader}" "${join(root, 'sidecar', 'src', 'cli', 'main.ts')}" "$@"\n`);
    chmodSync(join(dir, 'askr'), 0o755);
    kubectlEnv = { ...cluster.cp.env, PATH: `${dir}:${cluster.cp.env.PATH ?? ''}` };
  });
  after(async () => {
    await Promise.all(endpoints.map((e) => e.close()));
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl finds the plugin', async () => {
    const r = await kubectl(['plugin', 'list']);
    assert.match(r.stdout, /kubectl-askr/);
    const v = await kubectl(['askr', '--version']);
    assert.equal(v.stdout, 'kubectl-askr 0.1.0\n');
  });

  it('status shows every pod through the pod proxy', async () => {
    const r = await kubectl(['askr', 'status', 'web', '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^POD\s+READY\s+MODE\s+WORKERS \(ALIVE\/BUSY\/MAX\)\s+QUEUE\s+CACHE HIT\s+CONNECTIONS\s+UPTIME$/);
    assert.match(lines[1] ?? '', /^web-0\s+yes\s+worker\s+4\/1\/8\s+0\s+90\.0%\s+5\s+1h2m$/);
    assert.match(lines[2] ?? '', /^web-1\s+yes\s+worker\s+6\/6\/6\s+3\s+90\.0%\s+5\s+1h2m$/);
    const json = JSON.parse((await kubectl(['askr', 'status', 'web', '-n', ns, '-o', 'json'])).stdout) as { pod: string; status: { queue: { depth: number } } }[];
    assert.deepEqual(json.map((p) => [p.pod, p.status.queue.depth]), [['web-0', 0], ['web-1', 3]]);
  });

  it('errors merges every pod\'s recordings, newest first', async () => {
    const r = await kubectl(['askr', 'errors', 'web', '--namespace', ns]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trimEnd().split('\n');
    assert.match(rows[0] ?? '', /^TIME\s+POD\s+STATUS\s+METHOD\s+URI\s+ID$/);
    assert.match(rows[1] ?? '', new RegExp(`^2026-06-30T10:05:00Z\\s+web-1\\s+500\\s+POST\\s+/boom\\?debug=1\\s+${recordedId}$`));
    assert.match(rows[2] ?? '', /^2026-06-30T10:00:00Z\s+web-0\s+502\s+GET\s+\/old\s+1783230000-111-0$/);
  });

  it('replay runs in the pod that recorded the error and prints like askr replay', async () => {
    const r = await kubectl(['askr', 'replay', 'web', recordedId, '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `↻ replaying ${recordedId} → POST /boom?debug=1\nHTTP 500\nX-Boom: yes\n\nboom uri=/boom?debug=1 body=payload=42\n`);
  });

  it('replay --local downloads the recording and its body and replays it with the local askr and PHP', async () => {
    const save = join(dir, 'saved.json');
    const r = await kubectl(['askr', 'replay', 'web', recordedId, '-n', ns, '--local', '--root', dir, '--save', save]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^↻ replaying ${recordedId} → POST /boom\\?debug=1\\nHTTP 500\\nX-Boom: yes\\n`));
    assert.match(r.stdout, /\n\nboom uri=\/boom\?debug=1 body=payload=42\n$/);
    assert.equal((JSON.parse(readFileSync(save, 'utf8')) as { id: string }).id, recordedId);
    assert.equal(readFileSync(join(dir, `${recordedId}.body`), 'utf8'), 'payload=42');
  });

  it('forget-tag reaches every pod', async () => {
    const r = await kubectl(['askr', 'forget-tag', 'web', 'posts', 'users', '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'web-0: forgot posts, users\nweb-1: forgot posts, users\n');
    for (const e of endpoints) assert.deepEqual(e.state.forgotten.at(-1), ['posts', 'users']);
  });

  it('--via direct reaches the pod IPs without the API server in between', async () => {
    const r = await kubectl(['askr', 'status', 'web', '-n', ns, '--via', 'direct', '--pod', 'web-1', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { pod: string }[]).map((p) => p.pod), ['web-1']);
  });

  it('honours --kubeconfig and --context (the namespace comes from the context)', async () => {
    const kc = JSON.parse(readFileSync(cluster.cp.kubeconfigPath, 'utf8')) as { contexts: { name: string; context: Record<string, string> }[] };
    const base = kc.contexts[0]!;
    kc.contexts.push({ name: 'shop-ctx', context: { ...base.context, namespace: ns } });
    const file = join(dir, 'other.kubeconfig');
    writeFileSync(file, JSON.stringify(kc), { mode: 0o600 });
    const env = { ...kubectlEnv, KUBECONFIG: join(dir, 'missing.kubeconfig') };
    const r = await kubectl(['askr', 'errors', 'web', '--kubeconfig', file, '--context', 'shop-ctx'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(recordedId));
    const wrong = await kubectl(['askr', 'errors', 'web', '--kubeconfig', file, '--context', 'nope'], env);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--context: no context "nope"/);
  });

  it('fails clearly on an unknown app, an unknown error id and a dead pod', async () => {
    const app = await kubectl(['askr', 'status', 'nosuch', '-n', ns]);
    assert.equal(app.code, 1);
    assert.match(app.stderr, /no AskrApp "nosuch" in namespace "shop" \[ASKR_ERR_NOT_FOUND\]/);
    const id = await kubectl(['askr', 'replay', 'web', '1-2-3', '-n', ns]);
    assert.equal(id.code, 1);
    assert.match(id.stderr, /no pod of shop\/web holds recorded error 1-2-3/);
    endpoints[0]!.state.silent = true;
    try {
      const r = await kubectl(['askr', 'forget-tag', 'web', 'posts', '-n', ns, '--via', 'direct', '--request-timeout', '1']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^web-0: /m);
      assert.match(r.stdout, /^web-1: forgot posts$/m);
    } finally {
      endpoints[0]!.state.silent = false;
    }
  });
});
