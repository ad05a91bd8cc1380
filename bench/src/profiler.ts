// --profile DIR: where the time goes, recorded during a normal run. Node's
// --cpu-prof covers askr serve's front processes (one .cpuprofile per process,
// written when the stack stops, for the whole scenario), and `perf record` on
// every process of each stack covers PHP, nginx, FPM and Varnish during round
// 1 of each scenario; `perf report` turns each into a text summary next to it.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process.js';
import { commandLine } from './stack.js';

/**
 * Node flags that make a process (and the front processes it forks, which
 * inherit its exec flags) write a CPU profile into `dir` when it exits. Node
 * refuses --cpu-prof in NODE_OPTIONS, so these go on the command line.
 */
export function cpuProfArgs(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** A perf recording of some processes for a fixed time. */
export interface PerfRecording {
  /** Resolves once perf has written its data and the text report (or failed; see the .txt). */
  done: Promise<void>;
}

function perfReport(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('perf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = `# ${commandLine('perf', args)}\n`;
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (err) => { out += `perf report failed: ${err.message}\n`; });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Two summaries of one recording: by process and library (where), then by symbol (what). */
async function report(data: string, txt: string): Promise<void> {
  const base = ['report', '-i', data, '--stdio', '--no-children', '-g', 'none'];
  const where = await perfReport([...base, '--sort', 'comm,dso']);
  const what = await perfReport([...base, '--sort', 'comm,dso,sym', '--percent-limit', '0.5']);
  writeFileSync(txt, `${where}\n${what}`);
}

/**
 * Samples `pids` (and the children they fork) at 499 Hz with call graphs for
 * `seconds`, into `<dir>/<name>.perf.data` and `<name>.perf.txt`. perf missing
 * or not permitted leaves the reason in the .txt; the run goes on either way.
 */
export async function recordPerf(pids: readonly number[], seconds: number, dir: string, name: string): Promise<PerfRecording> {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, `${name}.perf.data`);
  const txt = join(dir, `${name}.perf.txt`);
  const args = ['record', '-F', '499', '-g', '-p', pids.join(','), '-o', data, '--', 'sleep', String(seconds)];
  let proc: ManagedProcess;
  try {
    proc = await ManagedProcess.start('perf', args);
  } catch (err) {
    writeFileSync(txt, `perf record could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return { done: Promise.resolve() };
  }
  const done = proc.waitClosed().then(async () => {
    await proc.stop(1000);
    if (proc.exited?.code === 0) await report(data, txt);
    else writeFileSync(txt, `# ${commandLine('perf', args)}\nperf record failed (${proc.describeExit()}):\n${proc.tail()}\n`);
  });
  return { done };
}
