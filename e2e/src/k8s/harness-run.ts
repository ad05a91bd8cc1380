import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every file, namespace and link the harness creates carries this prefix. */
export const harnessPrefix = 'askr-e2e';

/**
 * Environment variable stamped on every process the harness starts (control
 * plane and containers), so a later run can find and stop the leftovers of a
 * run that died without cleaning up. Not `ASKR_*`: the sidecar owns that space.
 */
export const ownerEnvVar = 'E2E_ASKR_RUN';

/** Where runs keep their state: one directory per run, plus shared lock files. */
export const harnessBaseDir = join(tmpdir(), `${harnessPrefix}-k8s`);

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The start time of a process in clock ticks since boot, or undefined if it is gone. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces; fields after the closing parenthesis are fixed.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the test process that owns a run id (`<pid>-<starttime>`) still runs. */
export function isRunAlive(runId: string): boolean {
  const m = /^(\d+)-(\d+)$/.exec(runId);
  if (!m) return false;
  return processStartTime(Number(m[1])) === m[2];
}

/** Runs `ip` synchronously (cleanup paths only); returns stdout, or '' on failure. */
export function ipSync(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout : '';
}

/**
 * The current test process's harness run: its id, its directories, and the
 * cleanup hooks that run when the process exits or is interrupted. Creating it
 * first removes what crashed earlier runs left behind (processes, network
 * namespaces, veths, bridges, directories, subnet leases).
 */
export class HarnessRun {
  private static instance: HarnessRun | undefined;

  /** `<pid>-<starttime>`: unique on this machine, and checkable for liveness. */
  readonly id: string;
  /** A private directory for this run's files (removed at exit). */
  readonly dir: string;
  /** A private directory on tmpfs, for `emptyDir: {medium: Memory}` volumes. */
  readonly shmDir: string;
  private readonly hooks: (() => void)[] = [];
  private exiting = false;

  private constructor() {
    const start = processStartTime(process.pid) ?? '0';
    this.id = `${process.pid}-${start}`;
    this.dir = join(harnessBaseDir, this.id);
    this.shmDir = join('/dev/shm', `${harnessPrefix}-k8s-${this.id}`);
    HarnessRun.reapStale(this.id);
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.shmDir, { recursive: true });
    this.installHandlers();
  }

  /** The run of this process, created (and stale runs reaped) on first use. */
  static current(): HarnessRun {
    HarnessRun.instance ??= new HarnessRun();
    return HarnessRun.instance;
  }

  /** Environment that marks a process as started by this run. */
  get ownerEnv(): Record<string, string> {
    return { [ownerEnvVar]: this.id };
  }

  /**
   * Registers a synchronous cleanup step that runs if the process exits or is
   * signalled before the owner cleaned up normally. Returns its remover.
   */
  addExitHook(hook: () => void): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Records a directory or file created on the host as a mount point, for removal when no run uses it. */
  recordCreatedPath(path: string): void {
    const dir = join(harnessBaseDir, 'created-paths');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, Buffer.from(path).toString('hex')), path);
  }

  /** Removes recorded mount points that are still empty, unless another live run may be using them. */
  removeCreatedPathsIfIdle(): void {
    HarnessRun.removeCreatedPaths(this.id);
  }

  private installHandlers(): void {
    const runHooks = (): void => {
      if (this.exiting) return;
      this.exiting = true;
      for (const hook of this.hooks.splice(0).reverse()) {
        try {
          hook();
        } catch {
          // Best effort: one failed step must not keep the others from running.
        }
      }
      rmSync(this.shmDir, { recursive: true, force: true });
      rmSync(this.dir, { recursive: true, force: true });
      HarnessRun.removeCreatedPaths(this.id);
    };
    process.on('exit', runHooks);
    for (const sig of signals) {
      const onSignal = (): void => {
        runHooks();
        process.removeListener(sig, onSignal);
        // Re-raise so the process ends the way the sender asked.
        process.kill(process.pid, sig);
      };
      process.on(sig, onSignal);
    }
  }

  /** Finds every run id that left something behind and whose process is gone, and removes its leftovers. */
  static reapStale(selfId?: string): string[] {
    const dead = new Set<string>();
    const consider = (id: string | undefined): void => {
      if (id !== undefined && id !== selfId && !isRunAlive(id)) dead.add(id);
    };
    if (existsSync(harnessBaseDir)) {
      for (const name of readdirSync(harnessBaseDir)) if (/^\d+-\d+$/.test(name)) consider(name);
    }
    const netnsRe = new RegExp(`^${harnessPrefix}-(\\d+-\\d+)-`);
    const netnsNames = ipSync(['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '');
    for (const ns of netnsNames) consider(netnsRe.exec(ns)?.[1]);
    const links = linksWithAlias();
    for (const l of links) consider(l.owner);
    const markedProcs = markedProcesses();
    for (const p of markedProcs) consider(p.owner);
    for (const name of readdirSync('/dev/shm')) {
      const m = new RegExp(`^${harnessPrefix}-k8s-(\\d+-\\d+)$`).exec(name);
      consider(m?.[1]);
    }
    if (dead.size > 0) {
      for (const p of markedProcs) if (dead.has(p.owner)) killQuietly(p.pid);
      for (const l of links) if (dead.has(l.owner)) ipSync(['link', 'del', l.name]);
      for (const ns of netnsNames) {
        const owner = netnsRe.exec(ns)?.[1];
        if (owner !== undefined && dead.has(owner)) ipSync(['netns', 'del', ns]);
      }
      for (const id of dead) {
        rmSync(join(harnessBaseDir, id), { recursive: true, force: true });
        rmSync(join('/dev/shm', `${harnessPrefix}-k8s-${id}`), { recursive: true, force: true });
      }
    }
    releaseLeases((owner) => owner !== selfId && !isRunAlive(owner));
    HarnessRun.removeCreatedPaths(selfId);
    return [...dead];
  }

  private static removeCreatedPaths(selfId: string | undefined): void {
    const dir = join(harnessBaseDir, 'created-paths');
    if (!existsSync(dir)) return;
    const others = readdirSync(harnessBaseDir).filter((n) => /^\d+-\d+$/.test(n) && n !== selfId && isRunAlive(n));
    // Removing a directory that is a mount point in another run's mount namespace
    // would detach that mount, so wait until this is the only run.
    if (others.length > 0) return;
    for (const entry of readdirSync(dir)) {
      const path = readFileSync(join(dir, entry), 'utf8');
      if (removeEmptyTree(path)) unlinkSync(join(dir, entry));
    }
  }
}

/** Removes a directory tree that holds only empty directories (or an empty file). */
function removeEmptyTree(path: string): boolean {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) {
      if (st.size === 0) unlinkSync(path);
      return st.size === 0;
    }
    let empty = true;
    for (const child of readdirSync(path)) if (!removeEmptyTree(join(path, child))) empty = false;
    if (empty) rmdirSync(path);
    return empty;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Host links (veths, bridges) whose alias names an owning run. */
function linksWithAlias(): { name: string; owner: string }[] {
  const out: { name: string; owner: string }[] = [];
  const text = ipSync(['-j', 'link', 'show']);
  if (text === '') return out;
  for (const link of JSON.parse(text) as { ifname: string; ifalias?: string }[]) {
    const m = new RegExp(`^${harnessPrefix}:(\\d+-\\d+)$`).exec(link.ifalias ?? '');
    if (m?.[1] !== undefined) out.push({ name: link.ifname, owner: m[1] });
  }
  return out;
}

/** Processes stamped with the owner variable (any run), read from /proc. */
export function markedProcesses(): { pid: number; owner: string }[] {
  const out: { pid: number; owner: string }[] = [];
  const needle = `${ownerEnvVar}=`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    const at = env.indexOf(needle);
    if (at < 0 || (at > 0 && env[at - 1] !== '\0')) continue;
    const end = env.indexOf('\0', at);
    out.push({ pid: Number(name), owner: env.slice(at + needle.length, end < 0 ? undefined : end) });
  }
  return out;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Directory of lease files (`<name>` holding an owner run id), e.g. pod subnets. */
export const leaseDir = join(harnessBaseDir, 'leases');

/** Deletes lease files whose owner (and name) match. */
export function releaseLeases(match: (owner: string, name: string) => boolean): void {
  if (!existsSync(leaseDir)) return;
  for (const name of readdirSync(leaseDir)) {
    const file = join(leaseDir, name);
    try {
      if (match(readFileSync(file, 'utf8').trim(), name)) unlinkSync(file);
    } catch {
      // Raced with another run's cleanup.
    }
  }
}

/** Takes a named lease for this run if it is free; false if another live run holds it. */
export function tryTakeLease(name: string, owner: string): boolean {
  mkdirSync(leaseDir, { recursive: true });
  const file = join(leaseDir, name);
  try {
    writeFileSync(file, owner, { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}
