// The response cache through `askr serve` with real PHP and real clients (curl,
// node:http): the walkthrough (MISS then HIT; askr_cache_forget_tag on a model
// save makes the next request a MISS), the 200-request stampede, personal
// requests, and a bad header.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const repo = new URL('../../', import.meta.url).pathname;
// ASKR_CLI points the suite at another build of askr (an installed one, say).
const cli = process.env.ASKR_CLI ?? join(repo, 'sidecar/dist/cli/main.js');
const TOKEN = 'cache-e2e-token';

// The suite runs against the built CLI; a missing build is a failure, not a skip.
const skip = false;

const APP = String.raw`<?php
declare(strict_types=1);
$dir = __DIR__;
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$count = function (string $name) use ($dir): void {
    file_put_contents("$dir/runs-$name.log", "x", FILE_APPEND | LOCK_EX);
};
$posts = fn (): array => json_decode((string) @file_get_contents("$dir/posts.json"), true) ?: [];
switch ($path) {
    case '/posts':
        if ($_SERVER['REQUEST_METHOD'] === 'POST') {
            // The model-save path: write, then forget the tag.
            $all = $posts();
            $all[] = $_POST['title'] ?? 'untitled';
            file_put_contents("$dir/posts.json", json_encode($all), LOCK_EX);
            askr_cache_forget_tag('posts');
            http_response_code(201);
            echo 'saved';
            break;
        }
        $count('posts');
        header('Askr-Cache: 60, tags=posts');
        header('Content-Type: text/html; charset=utf-8');
        echo '<ul>' . implode('', array_map(fn ($p) => '<li>' . htmlspecialchars((string) $p) . '</li>', $posts())) . '</ul>';
        break;
    case '/slow':
        $count('slow');
        usleep(300000);
        header('Askr-Cache: 60');
        echo 'rendered at ' . microtime(true) . ' by ' . getmypid();
        break;
    case '/me':
        setcookie('sid', bin2hex(random_bytes(8)));
        header('Askr-Cache: 60');
        echo 'hello ' . ($_COOKIE['session'] ?? ($_SERVER['HTTP_AUTHORIZATION'] ?? 'anonymous'));
        break;
    case '/bad':
        header('Askr-Cache: soon, tags=x');
        echo 'bad header page';
        break;
    default:
        http_response_code(404);
        echo 'not found';
}
`;

interface Served {
  url: string;
  admin: string;
  root: string;
  child: ChildProcess;
}

async function startServe(root: string, extra: string[]): Promise<Served> {
  const child = spawn(process.execPath, [cli, 'serve', '--root', root, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0',
    '--admin-token', TOKEN, '--run-dir', join(root, '.run'), '--response-cache', '16', '--access-log', 'off', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const lines = createInterface({ input: child.stdout });
  const listening = await new Promise<{ url: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('askr serve did not print "listening" within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`askr serve exited with ${code}`));
    });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const msg = JSON.parse(line) as { event?: string; url: string; admin: string };
      if (msg.event !== 'listening') return;
      clearTimeout(timer);
      resolve(msg);
    });
  });
  return { ...listening, root, child };
}

async function stopServe(s: Served): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  process.kill(-(s.child.pid ?? 0), 'SIGTERM');
  const timer = setTimeout(() => {
    process.kill(-(s.child.pid ?? 0), 'SIGKILL');
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with curl, the way the walkthrough does it. */
function curl(args: string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', '--max-time', '20', ...args], { encoding: 'utf8' }, (err, out) => {
      if (err) {
        reject(new Error(`curl ${args.join(' ')}: ${err.message}`));
        return;
      }
      const split = out.indexOf('\r\n\r\n');
      const head = out.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).toLowerCase();
        headers[name] = headers[name] !== undefined ? `${headers[name]}, ${line.slice(i + 1).trim()}` : line.slice(i + 1).trim();
      }
      resolve({ status: Number(head[0]?.split(' ')[1]), headers, body: out.slice(split + 4) });
    });
  });
}

function runs(root: string, name: string): number {
  return existsSync(join(root, `runs-${name}.log`)) ? readFileSync(join(root, `runs-${name}.log`), 'utf8').length : 0;
}

describe('response cache through askr serve', { skip }, () => {
  let served: Served;
  const dir = mkdtempSync(join(tmpdir(), 'askr-cache-e2e-'));

  before(async () => {
    const root = join(dir, 'app');
    mkdirSync(root);
    writeFileSync(join(root, 'index.php'), APP);
    served = await startServe(root, ['--workers-min', '2', '--workers-max', '4']);
  });

  after(async () => {
    if ((served as Served | undefined) !== undefined) await stopServe(served);
    rmSync(dir, { recursive: true, force: true });
  });

  test('walkthrough: MISS then HIT with curl; a model save forgets the tag; the next request is a MISS', async () => {
    const a = await curl([`${served.url}/posts`]);
    assert.equal(a.status, 200);
    assert.equal(a.headers['x-askr-cache'], 'MISS');
    assert.equal(a.headers['askr-cache'], undefined);
    const b = await curl([`${served.url}/posts`]);
    assert.equal(b.headers['x-askr-cache'], 'HIT');
    assert.equal(b.body, a.body);
    assert.equal(runs(served.root, 'posts'), 1);

    const save = await curl(['-X', 'POST', '-d', 'title=Hello+world', `${served.url}/posts`]);
    assert.equal(save.status, 201);
    assert.equal(save.headers['x-askr-cache'], 'BYPASS');
    const c = await curl([`${served.url}/posts`]);
    assert.equal(c.headers['x-askr-cache'], 'MISS');
    assert.match(c.body, /Hello world/);
    assert.equal((await curl([`${served.url}/posts`])).headers['x-askr-cache'], 'HIT');

    const forget = await curl(['-X', 'POST', '-H', `Authorization: Bearer ${TOKEN}`, '-H', 'Content-Type: application/json', '-d', '{"tags":["posts"]}', `${served.admin}/askr/cache/forget-tag`]);
    assert.ok(forget.status >= 200 && forget.status < 300, `forget-tag answered ${forget.status}`);
    assert.equal((await curl([`${served.url}/posts`])).headers['x-askr-cache'], 'MISS');
    assert.equal(runs(served.root, 'posts'), 3);
  });

  test('stampede: 200 concurrent requests on a cold key run PHP once; 199 are coalesced; all identical', async () => {
    await stampede(served, '/slow');
  });

  test('PURGE of one URL on the admin port: the next request is a MISS', async () => {
    await curl([`${served.url}/posts?page=1`]);
    assert.equal((await curl([`${served.url}/posts?page=1`])).headers['x-askr-cache'], 'HIT');
    const host = new URL(served.url).host;
    const purge = await curl(['-X', 'PURGE', '-H', `Authorization: Bearer ${TOKEN}`, `${served.admin}/askr/cache?url=${encodeURIComponent(`http://${host}/posts?page=1`)}`]);
    assert.equal(purge.status, 200, purge.body);
    assert.equal((await curl([`${served.url}/posts?page=1`])).headers['x-askr-cache'], 'MISS');
  });

  test('personal requests are never stored or served to others; Set-Cookie never cached; HEAD from GET', async () => {
    const alice = await curl(['-H', 'Cookie: session=alice', `${served.url}/me`]);
    assert.equal(alice.headers['x-askr-cache'], 'BYPASS');
    assert.equal(alice.body, 'hello alice');
    const bob = await curl(['-H', 'Authorization: Bearer bob', `${served.url}/me`]);
    assert.equal(bob.headers['x-askr-cache'], 'BYPASS');
    const anon1 = await curl([`${served.url}/me`]);
    assert.equal(anon1.headers['x-askr-cache'], 'MISS');
    assert.equal(anon1.body, 'hello anonymous');
    assert.ok(anon1.headers['set-cookie'], 'the visitor that ran PHP gets its own cookie');
    const anon2 = await curl([`${served.url}/me`]);
    assert.equal(anon2.headers['x-askr-cache'], 'HIT');
    assert.equal(anon2.body, 'hello anonymous');
    assert.equal(anon2.headers['set-cookie'], undefined);
    const head = await curl(['-I', `${served.url}/me`]);
    assert.equal(head.headers['x-askr-cache'], 'HIT');
    assert.equal(head.headers['content-length'], String('hello anonymous'.length));
    const other = await curl(['-H', 'Host: other.test', `${served.url}/me`]);
    assert.equal(other.headers['x-askr-cache'], 'MISS', 'another host is another key');
  });

  test('a bad Askr-Cache header is served as BYPASS, never a 500', async () => {
    const r = await curl([`${served.url}/bad`]);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'bad header page');
    assert.equal(r.headers['x-askr-cache'], 'BYPASS');
    assert.equal(r.headers['askr-cache'], undefined);
  });
});

describe('response cache across two front processes', { skip }, () => {
  let served: Served;
  const dir = mkdtempSync(join(tmpdir(), 'askr-cache-e2e2-'));

  before(async () => {
    const root = join(dir, 'app');
    mkdirSync(root);
    writeFileSync(join(root, 'index.php'), APP);
    served = await startServe(root, ['--http-procs', '2', '--workers-min', '2', '--workers-max', '4']);
  });

  after(async () => {
    if ((served as Served | undefined) !== undefined) await stopServe(served);
    rmSync(dir, { recursive: true, force: true });
  });

  test('stampede over --http-procs 2: PHP still runs once for the whole pod', async () => {
    await stampede(served, '/slow');
  });

  test('a forget in one process is seen by every process at once', async () => {
    await curl([`${served.url}/posts`]);
    // New connections are spread over both processes: every one must now hit…
    for (let i = 0; i < 6; i++) assert.equal((await curl([`${served.url}/posts`])).headers['x-askr-cache'], 'HIT');
    await curl(['-X', 'POST', '-d', 'title=Second', `${served.url}/posts`]);
    // …and after the model save, the first request anywhere is a MISS with the new post.
    const next = await curl([`${served.url}/posts`]);
    assert.equal(next.headers['x-askr-cache'], 'MISS');
    assert.match(next.body, /Second/);
  });
});

describe('response cache across a sidecar restart', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'askr-cache-e2e3-'));
  let served: Served | undefined;

  after(async () => {
    if (served) await stopServe(served);
    rmSync(dir, { recursive: true, force: true });
  });

  test('entries stored before a restart are served after it, without PHP', async () => {
    const root = join(dir, 'app');
    mkdirSync(root);
    writeFileSync(join(root, 'index.php'), APP);
    // The port changes across restarts; the site's name does not.
    const host = ['-H', 'Host: shop.test'];
    served = await startServe(root, []);
    assert.equal((await curl([...host, `${served.url}/posts`])).headers['x-askr-cache'], 'MISS');
    assert.equal((await curl([...host, `${served.url}/posts`])).headers['x-askr-cache'], 'HIT');
    await stopServe(served);
    served = await startServe(root, []);
    const after = await curl([...host, `${served.url}/posts`]);
    assert.equal(after.headers['x-askr-cache'], 'HIT');
    assert.equal(runs(root, 'posts'), 1);
  });
});

/** 200 concurrent requests to a cold page that sleeps 300 ms. */
async function stampede(served: Served, path: string): Promise<void> {
  const agent = new Agent({ keepAlive: false, maxSockets: 256 });
  const one = (): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(`${served.url}${path}`, { agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks).toString() });
        });
      });
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end();
    });
  const before = await coalescedTotal(served);
  const replies = await Promise.all(Array.from({ length: 200 }, one));
  agent.destroy();
  assert.equal(runs(served.root, 'slow'), 1, 'PHP ran exactly once');
  assert.ok(replies.every((r) => r.status === 200));
  assert.equal(new Set(replies.map((r) => r.body)).size, 1, 'every response identical');
  const results = replies.map((r) => r.headers['x-askr-cache']);
  assert.equal(results.filter((x) => x === 'MISS').length, 1);
  assert.equal(results.filter((x) => x === 'HIT').length, 199);
  assert.equal((await coalescedTotal(served)) - before, 199);
}

async function coalescedTotal(s: Served): Promise<number> {
  const r = await curl(['-H', `Authorization: Bearer ${TOKEN}`, `${s.admin}/metrics`]);
  const line = r.body.split('\n').find((l) => l.startsWith('askr_cache_coalesced_total'));
  return Number(line?.split(' ')[1] ?? NaN);
}
