// A bare node:http server that answers every request with one file's bytes:
// the ceiling of any Node front on this machine, measured beside askr serve's
// cache hits. It forks one process per --procs and prints
// {"event":"listening","url":…} when every process listens.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { file: { type: 'string' }, procs: { type: 'string' }, type: { type: 'string' } } });
const procs = Math.max(1, Number(values.procs ?? 1));

if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < procs; i++) {
    const w = cluster.fork();
    w.on('message', (msg: unknown) => {
      if (typeof msg !== 'object' || msg === null || !('port' in msg)) return;
      ready++;
      if (ready === procs) process.stdout.write(JSON.stringify({ event: 'listening', url: `http://127.0.0.1:${String((msg as { port: number }).port)}` }) + '\n');
    });
  }
  const stop = (): void => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const body = readFileSync(values.file ?? '');
  const type = values.type ?? 'text/html; charset=UTF-8';
  const server = createServer((_req, res) => {
    res.writeHead(200, ['Content-Type', type, 'Content-Length', String(body.length)]);
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}
