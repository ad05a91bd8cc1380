// The bare node:http server of bare-node-server.ts as a stack: the limit for any
// Node front (askr serve included) serving the same bytes on this machine.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from './managed-process.js';
import { removeScratch, scratchDir } from './scratch-dir.js';
import { commandLine, type Stack } from './stack.js';

const script = fileURLToPath(new URL('./bare-node-server.ts', import.meta.url));

export async function startNodeBare(body: Buffer, procs: number): Promise<Stack> {
  const dir = scratchDir('askr-bench-bare-');
  const file = join(dir, 'page.html');
  writeFileSync(file, body);
  const args = ['--import', 'tsx', script, '--file', file, '--procs', String(procs)];
  const proc = await ManagedProcess.start(process.execPath, args);
  try {
    const line = await proc.waitForLine(/"event":"listening"/, 30_000);
    const url = (JSON.parse(line) as { url: string }).url;
    return {
      id: 'node-bare',
      url,
      roots: [proc.pid],
      commands: [commandLine('node', args, {})],
      configs: {},
      logs: () => proc.tail(20),
      async stop() {
        await proc.stop();
        removeScratch(dir);
      },
    };
  } catch (err) {
    await proc.stop();
    removeScratch(dir);
    throw err;
  }
}
