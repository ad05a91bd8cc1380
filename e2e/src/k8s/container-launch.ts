import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandVars } from './container-env.js';
import { HarnessRun } from './harness-run.js';
import type { LocalImage } from './images.js';
import { ManagedProcess } from './managed-process.js';
import type { Container } from './pod-types.js';
import type { ContainerMount } from './pod-volumes.js';

const initScript = fileURLToPath(new URL('container-init.sh', import.meta.url));

/** Everything needed to start one container process. */
export interface LaunchSpec {
  container: Container;
  image: LocalImage;
  /** The container's resolved env (service vars, envFrom, env), before the image's env is laid under it. */
  env: Record<string, string>;
  mounts: ContainerMount[];
  /** `/run/netns/<name>` of the pod. */
  netnsPath: string;
  hostname: string;
  /** A fresh directory for this start (the image layers' writable upper dirs live here). */
  attemptDir: string;
  logFile: string;
}

/**
 * The argv a kubelet runs: `command` replaces the image's ENTRYPOINT and `args`
 * its CMD (a `command` alone drops the CMD), with `$(VAR)` expanded against the
 * container's env.
 */
export function containerArgv(image: LocalImage, container: Container, env: Record<string, string>): string[] {
  const expand = (list: string[]): string[] => list.map((s) => expandVars(s, env));
  if (container.command !== undefined && container.command.length > 0) return [...expand(container.command), ...expand(container.args ?? [])];
  if (container.args !== undefined && container.args.length > 0) return [...image.entrypoint, ...expand(container.args)];
  return [...image.entrypoint, ...image.cmd];
}

/**
 * Creates a mount point that does not exist on the host (the container's view is
 * a private mount namespace over the host's root), recording what it created so
 * the harness removes it once no run uses it. Paths inside an earlier mount are
 * created by the init script in that mount instead.
 */
function ensureMountPoint(target: string, isFile: boolean, earlierTargets: string[]): void {
  if (earlierTargets.some((t) => target === t || target.startsWith(`${t}/`))) return;
  if (existsSync(target)) return;
  let top = target;
  while (!existsSync(dirname(top))) top = dirname(top);
  if (isFile) {
    mkdirSync(dirname(target), { recursive: true });
    // An empty file is a valid bind target for a file.
    closeSync(openSync(target, 'a'));
  } else {
    mkdirSync(target, { recursive: true });
  }
  HarnessRun.current().recordCreatedPath(top);
}

/** Starts the container: pod netns, private mount + UTS namespaces, image layers and volumes mounted, then exec. */
export function launchContainer(spec: LaunchSpec): ManagedProcess {
  const { image, container } = spec;
  const argv = containerArgv(image, container, spec.env);
  const env = { ...image.env, ...spec.env };
  const workdir = container.workingDir ?? image.workingDir;
  const specs: string[] = [];
  const targets: string[] = [];
  const layers = [...image.layers].sort((a, b) => depth(a.containerPath) - depth(b.containerPath));
  layers.forEach((layer, i) => {
    const upper = join(spec.attemptDir, 'layers', String(i), 'upper');
    const work = join(spec.attemptDir, 'layers', String(i), 'work');
    mkdirSync(upper, { recursive: true });
    mkdirSync(work, { recursive: true });
    ensureMountPoint(layer.containerPath, false, targets);
    specs.push('overlay', layer.hostPath, upper, work, layer.containerPath);
    targets.push(layer.containerPath);
  });
  const mounts = [...spec.mounts].sort((a, b) => depth(a.target) - depth(b.target));
  for (const m of mounts) {
    ensureMountPoint(m.target, !statSync(m.source).isDirectory(), targets);
    specs.push('bind', m.source, m.target, m.readOnly ? 'ro' : 'rw');
    targets.push(m.target);
  }
  ensureMountPoint(workdir, false, targets);
  return ManagedProcess.start({
    command: 'nsenter',
    args: [`--net=${spec.netnsPath}`, '--', 'unshare', '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', initScript, spec.hostname, workdir, ...specs, '--', ...argv],
    env,
    logFile: spec.logFile,
  });
}

function depth(path: string): number {
  return path.split('/').filter((s) => s !== '').length;
}
