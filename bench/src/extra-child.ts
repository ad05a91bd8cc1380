// Runs one of the benchmark scripts that live next to the harness (fan-out,
// Zipf hit ratio, cache hit cost, askr test) through its exported function, in
// a process of its own, and writes what it returned as JSON to a file:
//
//   node --import tsx bench/src/extra-child.ts <id> <smoke|full> <out.json>
//
// A process of its own keeps a crash or a hang of one script from taking the
// harness with it, and keeps its CPU use out of the HTTP rounds.
import { writeFileSync } from 'node:fs';
import { EXTRA_PARAMS, type ExtraId } from './extras.js';

async function run(id: ExtraId, mode: 'smoke' | 'full'): Promise<unknown> {
  switch (id) {
    case 'fanout': {
      const { runFanout } = await import('./fanout.js');
      return runFanout({ ...EXTRA_PARAMS.fanout[mode] });
    }
    case 'cache-zipf': {
      const { runCacheZipf } = await import('./cache-zipf.js');
      return runCacheZipf(EXTRA_PARAMS['cache-zipf'][mode]);
    }
    case 'cache-hit': {
      const { runCacheHit } = await import('./cache-hit.js');
      const p = EXTRA_PARAMS['cache-hit'][mode];
      return runCacheHit(p.bodyKb, p.seconds);
    }
    case 'askr-test': {
      const { runAskrTestBench } = await import('./askr-test-bench.js');
      return runAskrTestBench({ ...EXTRA_PARAMS['askr-test'][mode], log: (line) => { process.stderr.write(line + '\n'); } });
    }
  }
}

const [id, mode, out] = process.argv.slice(2);
if (id === undefined || !(id in EXTRA_PARAMS) || (mode !== 'smoke' && mode !== 'full') || out === undefined) {
  process.stderr.write('usage: extra-child.ts <fanout|cache-zipf|cache-hit|askr-test> <smoke|full> <out.json>\n');
  process.exit(2);
}
try {
  const result = await run(id as ExtraId, mode);
  writeFileSync(out, JSON.stringify(result));
  // The scripts may leave handles open (sockets being torn down); the result is written.
  process.exit(0);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
