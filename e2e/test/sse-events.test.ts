// Server-Sent Events at /askr/events, read with the `eventsource` client: events from the ring
// (triggered on another front process), Last-Event-ID resume from ring sequence numbers,
// keep-alive comments, and refusal of channels that need auth.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { EventSource } from 'eventsource';
import { serverSdk, startStack, until, type Stack } from './pusher-harness.js';

interface Got { type: string; id: string; data: { event: string; channel: string; data: unknown } }

function listen(url: string, types: string[], lastEventId?: string): { es: EventSource; got: Got[] } {
  const got: Got[] = [];
  const es = new EventSource(url, lastEventId === undefined ? {} : {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), 'Last-Event-ID': lastEventId } }),
  });
  for (const t of types) {
    es.addEventListener(t, (event) => {
      const e = event as unknown as { lastEventId: string; data: string };
      got.push({ type: t, id: e.lastEventId, data: JSON.parse(e.data) as Got['data'] });
    });
  }
  return { es, got };
}

describe('SSE /askr/events', () => {
  let stack: Stack;
  const sources: EventSource[] = [];
  before(async () => {
    stack = await startStack({ procs: 2, argv: ['--sse-keepalive', '1'] });
  });
  after(async () => {
    for (const s of sources) s.close();
    await stack.close();
  });
  const url = (q: string): string => `http://127.0.0.1:${stack.fronts[1]!.port}/askr/events?${q}`;

  test('events on the requested channels arrive with ring ids; others do not', async () => {
    const { es, got } = listen(url('channel=news&channel=sport'), ['headline', 'score', 'other']);
    sources.push(es);
    await until(() => es.readyState === EventSource.OPEN, 'stream open');
    const sdk = serverSdk(stack.fronts[0]!.port);
    await sdk.trigger('news', 'headline', 'line\nbreak');
    await sdk.trigger('elsewhere', 'other', '1');
    await sdk.trigger(['sport', 'news'], 'score', { home: 2 });
    await until(() => got.length === 2, 'two events');
    assert.deepEqual(got.map((g) => [g.type, g.data.channel, g.data.data]), [['headline', 'news', 'line\nbreak'], ['score', 'sport', '{"home":2}']]);
    assert.match(got[0]!.id, /^[0-9a-f]{16}-\d+$/);
  });

  test('Last-Event-ID replays what happened after it, from the ring', async () => {
    const first = listen(url('channel=resume'), ['tick']);
    sources.push(first.es);
    await until(() => first.es.readyState === EventSource.OPEN, 'stream open');
    const sdk = serverSdk(stack.fronts[0]!.port);
    await sdk.trigger('resume', 'tick', '1');
    await until(() => first.got.length === 1, 'first tick');
    first.es.close();
    await sdk.trigger('resume', 'tick', '2');
    await sdk.trigger('resume', 'tick', '3');
    const second = listen(url('channel=resume'), ['tick'], first.got[0]!.id);
    sources.push(second.es);
    await until(() => second.got.length === 2, 'replayed ticks');
    assert.deepEqual(second.got.map((g) => g.data.data), ['2', '3']);
    await sdk.trigger('resume', 'tick', '4');
    await until(() => second.got.length === 3, 'live tick');
    assert.deepEqual(second.got.map((g) => g.data.data), ['2', '3', '4']);
  });

  test('an id from another ring gets askr:reset', async () => {
    const { es, got } = listen(url('channel=r'), ['askr:reset'], '00000000deadbeef-5');
    sources.push(es);
    await until(() => got.length === 1, 'reset');
  });

  test('keep-alive comments flow on an idle stream', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(url('channel=idle'), (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
          if (body.includes(': keep-alive')) {
            req.destroy();
            resolve(body);
          }
        });
      });
      req.on('error', (e) => { if (!(e as NodeJS.ErrnoException).code?.includes('ECONNRESET')) reject(e); });
      setTimeout(() => { req.destroy(); reject(new Error('no keep-alive within 5 s')); }, 5000).unref();
      req.end();
    });
    assert.match(text, /^retry: \d+\n: connected\n\n/);
  });

  test('private and presence channels, and requests without a channel, are refused', async () => {
    for (const [q, status] of [['channel=private-x', 403], ['channel=presence-x', 403], ['', 400], ['channel=bad%20name', 400], ['channel=x&app=nope', 404]] as const) {
      const res = await fetch(url(q));
      assert.equal(res.status, status, q);
      await res.arrayBuffer();
    }
  });
});
