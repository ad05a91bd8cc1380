// Memory and CPU of a server's whole process tree, read from /proc: a stack is
// every process descended from the PIDs the harness started (nginx master and
// workers, the FPM master and its children, askr's front, template and workers).
import { readdirSync, readFileSync } from 'node:fs';

/** One sample of a process tree. */
export interface TreeSample {
  /** Processes in the tree. */
  processes: number;
  /** Sum of resident set sizes, KiB (pages shared between forks count once per process). */
  rssKb: number;
  /** Sum of proportional set sizes, KiB (shared pages split between the processes that map them). */
  pssKb: number;
  /** CPU time used by the tree's processes and their reaped children, in clock ticks. */
  cpuTicks: number;
  /** The same, by command name (node, php8.2, nginx, php-fpm8.2, cache-main…). */
  cpuTicksByCommand: Record<string, number>;
}

/** The fields of /proc/PID/stat the harness uses. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** The command name (field 2, without its parentheses). */
  comm: string;
  /** utime + stime + cutime + cstime, clock ticks. */
  cpuTicks: number;
}

/**
 * Parses one /proc/PID/stat line. The command name (field 2) is in parentheses
 * and may itself hold spaces or parentheses, so fields are counted from the
 * last ')'.
 */
export function parseProcStat(line: string): ProcStat | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number.parseInt(line, 10);
  const comm = line.slice(line.indexOf('(') + 1, close);
  // After ')': state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
  const rest = line.slice(close + 2).split(' ');
  const field = (n: number): number => Number(rest[n - 3]);
  const ppid = field(4);
  const cpuTicks = field(14) + field(15) + field(16) + field(17);
  if (!Number.isFinite(pid) || !Number.isFinite(ppid) || !Number.isFinite(cpuTicks)) return null;
  return { pid, ppid, comm, cpuTicks };
}

/** The value in KiB of a "Name:   123 kB" line of /proc/PID/status or smaps_rollup. */
export function kbField(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Every process currently in /proc (processes only: threads live under /proc/PID/task). */
function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseProcStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (s) out.push(s);
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

/** The PIDs of `roots` and all their descendants, given every process's parent. */
export function descendants(roots: readonly number[], stats: readonly ProcStat[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s.pid);
    else children.set(s.ppid, [s.pid]);
  }
  const known = new Set(stats.map((s) => s.pid));
  const out = new Set<number>();
  const stack = roots.filter((r) => known.has(r));
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (out.has(pid)) continue;
    out.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The PIDs of the tree under `roots` right now. */
export function treePids(roots: readonly number[]): number[] {
  return [...descendants(roots, allStats())];
}

/** Samples the tree under `roots`: process count, RSS and PSS sums, CPU ticks. */
export function sampleTree(roots: readonly number[]): TreeSample {
  const stats = allStats();
  const pids = descendants(roots, stats);
  let rssKb = 0;
  let pssKb = 0;
  let cpuTicks = 0;
  const cpuTicksByCommand: Record<string, number> = {};
  for (const s of stats) {
    if (!pids.has(s.pid)) continue;
    cpuTicks += s.cpuTicks;
    cpuTicksByCommand[s.comm] = (cpuTicksByCommand[s.comm] ?? 0) + s.cpuTicks;
    try {
      rssKb += kbField(readFileSync(`/proc/${s.pid}/status`, 'utf8'), 'VmRSS');
      pssKb += kbField(readFileSync(`/proc/${s.pid}/smaps_rollup`, 'utf8'), 'Pss');
    } catch {
      // Exited between the two reads: it no longer uses memory.
    }
  }
  return { processes: pids.size, rssKb, pssKb, cpuTicks, cpuTicksByCommand };
}
