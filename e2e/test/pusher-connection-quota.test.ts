// --pusher-max-connections is a quota per app for the whole pod: with two front
// processes sharing the listener, connections are counted across both.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAskr, type AskrProcess } from '../src/askr-process.js';
import { eventually } from '../src/http-client.js';
import { APP, rawSocket, type RawSocket } from './pusher-harness.js';

describe('askr serve --pusher-max-connections', () => {
  let dir = '';
  let askr: AskrProcess;
  const sockets: RawSocket[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'askr-quota-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'index.php'), '<?php echo "ok";');
    askr = await startAskr(['--root', join(dir, 'public'), '--http-procs', '2', '--workers', '2', '--run-dir', join(dir, 'run'),
      '--pusher', '--pusher-app-id', APP.id, '--pusher-key', APP.key, '--pusher-secret', APP.secret, '--pusher-max-connections', '3']);
  });
  after(async () => {
    for (const s of sockets) s.ws.close();
    await askr.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a connection; resolves with the first frame's event (connection_established or pusher:error) and the socket. */
  const attempt = async (): Promise<{ event: string; code?: number; socket: RawSocket }> => {
    const socket = await rawSocket(Number(new URL(askr.url).port));
    sockets.push(socket);
    await eventually(() => (socket.frames.length > 0 ? true : undefined), 5000, 'the first frame');
    const first = socket.frames[0] as { event: string; data?: unknown };
    const data = typeof first.data === 'string' ? (JSON.parse(first.data) as { code?: number }) : (first.data as { code?: number } | undefined);
    return { event: first.event, ...(data?.code !== undefined ? { code: data.code } : {}), socket };
  };

  it('admits three connections across both processes, refuses more with 4004, and admits again once one leaves', async () => {
    const results = [];
    // Six attempts: the two processes take turns accepting, so a per-process count would let all six in.
    for (let i = 0; i < 6; i++) results.push(await attempt());
    const admitted = results.filter((r) => r.event === 'pusher:connection_established');
    const refused = results.filter((r) => r.event === 'pusher:error');
    assert.equal(admitted.length, 3, JSON.stringify(results.map((r) => r.event)));
    assert.deepEqual(refused.map((r) => r.code), [4004, 4004, 4004]);
    admitted[0]?.socket.ws.close();
    await eventually(async () => {
      const again = await attempt();
      if (again.event === 'pusher:connection_established') return true;
      again.socket.ws.close();
      return undefined;
    }, 10_000, 'a connection to be admitted after one closed');
  });
});
