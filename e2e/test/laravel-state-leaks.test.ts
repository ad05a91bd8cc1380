import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { http } from '../src/http-client.js';
import { repoRoot } from '../src/repo.js';

const app = join(repoRoot, 'examples/laravel');

function cookieHeader(raw: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'set-cookie') out.push((raw[i + 1] ?? '').split(';')[0] ?? '');
  return out.join('; ');
}

function setCookieNames(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'set-cookie') out.push((raw[i + 1] ?? '').split('=')[0] ?? '');
  return out;
}

/**
 * One worker only, so request N+1 is served by the process that served N:
 * each test sets one kind of state and checks that the next request, from
 * another client, does not see it.
 */
describe('Laravel worker mode: no state leaks from one request to the next', () => {
  let askr: AskrProcess;
  before(async () => {
    askr = await startAskr(['--root', join(app, 'public'), '--worker-script', join(app, 'worker.php'), '--workers', '1']);
  });
  after(async () => {
    await askr.stop();
  });

  it('the authenticated user', async () => {
    const login = await http(`${askr.url}/leak/auth/login?user=42`);
    assert.deepEqual(JSON.parse(login.text), { user: 42 });
    // The same client keeps its login through its session cookie…
    const same = await http(`${askr.url}/leak/auth/whoami`, { headers: { Cookie: cookieHeader(login.rawHeaders) } });
    assert.deepEqual(JSON.parse(same.text), { user: 42 });
    // …another client is nobody.
    const other = await http(`${askr.url}/leak/auth/whoami`);
    assert.deepEqual(JSON.parse(other.text), { user: null });
  });

  it('the session', async () => {
    const put = await http(`${askr.url}/leak/session/put?value=s3cret`);
    assert.deepEqual(JSON.parse(put.text), { stored: 's3cret' });
    const mine = await http(`${askr.url}/leak/session/get`, { headers: { Cookie: cookieHeader(put.rawHeaders) } });
    assert.deepEqual(JSON.parse(mine.text), { secret: 's3cret' });
    const other = await http(`${askr.url}/leak/session/get`);
    assert.deepEqual(JSON.parse(other.text), { secret: null });
  });

  it('flashed data (the redirector writes to the request\'s own session)', async () => {
    const set = await http(`${askr.url}/leak/flash/set?value=once`);
    assert.equal(set.status, 302);
    const mine = await http(`${askr.url}/leak/flash/get`, { headers: { Cookie: cookieHeader(set.rawHeaders) } });
    assert.deepEqual(JSON.parse(mine.text), { flashed: 'once' });
    const other = await http(`${askr.url}/leak/flash/get`);
    assert.deepEqual(JSON.parse(other.text), { flashed: null });
  });

  it('the request object (instance, facade and helper)', async () => {
    const first = await http(`${askr.url}/leak/request?marker=first`, { method: 'POST', body: 'extra=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(JSON.parse(first.text), { marker: 'first', all: { marker: 'first', extra: '1' }, facade: 'first', helper: 'first', path: 'leak/request' });
    const second = await http(`${askr.url}/leak/request`);
    assert.deepEqual(JSON.parse(second.text), { marker: null, all: [], facade: null, helper: null, path: 'leak/request' });
  });

  it('queued cookies', async () => {
    const queued = await http(`${askr.url}/leak/cookie/queue?value=crumb`);
    assert.ok(setCookieNames(queued.rawHeaders).includes('leaky'));
    const next = await http(`${askr.url}/leak/cookie/none`);
    assert.ok(!setCookieNames(next.rawHeaders).includes('leaky'), 'a cookie queued by the previous request must not be sent');
  });

  it('scoped singletons', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await http(`${askr.url}/leak/scoped`);
      assert.deepEqual(JSON.parse(r.text), { count: 2 });
    }
  });

  it('the locale', async () => {
    assert.deepEqual(JSON.parse((await http(`${askr.url}/leak/locale?set=fr`)).text), { locale: 'fr' });
    assert.deepEqual(JSON.parse((await http(`${askr.url}/leak/locale`)).text), { locale: 'en' });
  });

  it('configuration changed at run time', async () => {
    assert.deepEqual(JSON.parse((await http(`${askr.url}/leak/config?set=Changed`)).text), { name: 'Changed' });
    assert.deepEqual(JSON.parse((await http(`${askr.url}/leak/config`)).text), { name: 'Askr Example' });
  });

  it('the superglobals', async () => {
    await http(`${askr.url}/leak/globals?g=1`, { method: 'POST', body: 'p=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: 'c=3', 'X-Marker': 'm' } });
    const r = await http(`${askr.url}/leak/globals`);
    assert.deepEqual(JSON.parse(r.text), { get: [], post: [], cookie: [], files: [], server_marker: null });
  });
});
