// Dispatch ahead: with every worker busy, a short request is written to a busy
// worker, which reads it the moment it is READY. These tests hold that nothing
// is lost or mixed up on the way: many requests at once, a worker that exits
// before it reads what was sent ahead, and a request that arrives while the
// worker waits for the reply to a call into the sidecar.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { http } from '../src/http-client.js';

const APP = String.raw`<?php
return static function (): void {
    $path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
    parse_str($_SERVER['QUERY_STRING'] ?? '', $q);
    usleep(3000);
    switch ($path) {
        case '/id':
            echo 'id ' . ($q['n'] ?? '') . ' pid ' . getmypid();
            return;
        case '/exit':
            echo 'bye';
            exit();
        case '/call':
            askr_cache_forget_tag('nothing-tagged');
            echo 'called';
            return;
    }
    http_response_code(404);
};
`;

const TOKEN = 'dispatch-ahead-token';

/** askr_dispatch_ahead_total{outcome} from the admin listener. */
async function aheadTotal(askr: AskrProcess, outcome: 'sent' | 'returned'): Promise<number> {
  const text = await (await fetch(`${askr.admin ?? ''}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return Number(new RegExp(`^askr_dispatch_ahead_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

/** Fires 60 requests at once and checks that each got its own response. */
async function manyAtOnce(askr: AskrProcess): Promise<void> {
  const replies = await Promise.all(Array.from({ length: 60 }, (_, n) => http(`${askr.url}/id?n=${n}`)));
  for (const [n, r] of replies.entries()) {
    assert.equal(r.status, 200);
    assert.match(r.body.toString(), new RegExp(`^id ${n} pid \\d+$`));
  }
}

function appDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'askr-ahead-'));
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'worker.php'), APP);
  return dir;
}

describe('askr serve: requests sent ahead to busy workers', () => {
  let dir = '';
  let askr: AskrProcess;

  const ahead = (outcome: 'sent' | 'returned'): Promise<number> => aheadTotal(askr, outcome);

  before(async () => {
    dir = appDir();
    askr = await startAskr(['--root', join(dir, 'public'), '--worker-script', join(dir, 'worker.php'), '--workers', '1', '--response-cache', '8', '--run-dir', join(dir, 'run'), '--admin-token', TOKEN]);
  });
  after(async () => {
    await askr.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every one of many concurrent requests with its own response', async () => {
    // The pool sends ahead only to a worker whose request is young next to the average service
    // time, which starts at zero: a few requests one at a time teach it first.
    for (let i = 0; i < 20; i++) assert.equal((await http(`${askr.url}/id?n=warm`)).status, 200);
    const sentBefore = await ahead('sent');
    // Whether a request arrives while its worker's request is still young depends on timing:
    // repeat until some went ahead (every burst is checked in full either way).
    for (let attempt = 0; attempt < 10 && (await ahead('sent')) === sentBefore; attempt++) await manyAtOnce(askr);
    assert.ok((await ahead('sent')) > sentBefore, 'some requests went ahead to the busy worker');
  });

  it('a request sent ahead to a worker that exits first is served by the next worker', async () => {
    // Whether the second request goes ahead depends on timing: repeat until one has come back.
    for (let attempt = 0; attempt < 30 && (await ahead('returned')) === 0; attempt++) {
      const [bye, next] = await Promise.all([http(`${askr.url}/exit`), http(`${askr.url}/id?n=after-exit`)]);
      assert.equal(bye.status, 200);
      assert.equal(bye.body.toString(), 'bye');
      assert.equal(next.status, 200, `the request after an exit: ${next.status} ${next.body.toString()}`);
      assert.match(next.body.toString(), /^id after-exit pid \d+$/);
    }
    assert.ok((await ahead('returned')) > 0, 'a request sent ahead came back and was served elsewhere');
  });

  it('a request that arrives while the worker waits for a call\'s reply is served after it', async () => {
    const sentBefore = await ahead('sent');
    for (let attempt = 0; attempt < 30 && (await ahead('sent')) === sentBefore; attempt++) {
      const [called, next] = await Promise.all([http(`${askr.url}/call`), http(`${askr.url}/id?n=after-call`)]);
      assert.equal(called.status, 200, `the call: ${called.status} ${called.body.toString()}`);
      assert.equal(called.body.toString(), 'called');
      assert.equal(next.status, 200);
      assert.match(next.body.toString(), /^id after-call pid \d+$/);
    }
    assert.ok((await ahead('sent')) > sentBefore, 'a request went ahead while the call waited');
  });
});

describe('askr serve --no-dispatch-ahead', () => {
  it('keeps every request in the queue until a worker is free', async (t) => {
    const dir = appDir();
    const askr = await startAskr(['--root', join(dir, 'public'), '--worker-script', join(dir, 'worker.php'), '--workers', '1', '--no-dispatch-ahead', '--run-dir', join(dir, 'run'), '--admin-token', TOKEN]);
    t.after(async () => {
      await askr.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    for (let i = 0; i < 20; i++) assert.equal((await http(`${askr.url}/id?n=warm`)).status, 200);
    for (let burst = 0; burst < 3; burst++) await manyAtOnce(askr);
    assert.equal(await aheadTotal(askr, 'sent'), 0, 'nothing was sent ahead');
  });
});
