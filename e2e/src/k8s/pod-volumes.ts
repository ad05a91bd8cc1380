import { chmodSync, closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ContainerConfigError, RefReader, expandVars, fieldValue, resourceFieldValue } from './container-env.js';
import type { EnvContext } from './container-env.js';
import type { Container, DownwardApiFile, KeyToPath, Pod, Volume } from './pod-types.js';

/** Where a pod's volumes live on the host. */
export interface VolumeContext extends Omit<EnvContext, 'serviceEnv'> {
  /** The pod's directory (disk-backed volumes go under `volumes/`). */
  podDir: string;
  /** A tmpfs directory of the pod, for `emptyDir: {medium: Memory}`. */
  shmDir: string;
}

/** One bind mount of a container: a host path at a path inside the container. */
export interface ContainerMount {
  source: string;
  target: string;
  readOnly: boolean;
}

const volumeKinds = ['emptyDir', 'configMap', 'secret', 'downwardAPI', 'projected', 'hostPath'];

/** Joins a relative path under a base, refusing `..` escapes (as the API's validation does). */
function inside(base: string, rel: string): string {
  const p = normalize(join(base, rel));
  if (p !== base && !p.startsWith(`${base}/`)) throw new ContainerConfigError(`path "${rel}" leaves its volume`);
  return p;
}

function writeFile(path: string, data: Buffer | string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  chmodSync(path, mode);
}

/**
 * A pod's volumes made real as host directories, as a kubelet would: emptyDir
 * (on tmpfs for medium Memory), configMap, secret, downwardAPI, projected
 * (service-account token by TokenRequest, the cluster CA, the namespace) and
 * hostPath. Contents are written once when the pod starts; later changes to a
 * ConfigMap or Secret are not propagated, nor are tokens refreshed (pods in
 * tests live far shorter than the one-hour token).
 */
export class PodVolumes {
  private readonly dirs = new Map<string, string>();

  private constructor(private readonly ctx: VolumeContext) {}

  /** Materialises every volume; throws ContainerConfigError for a missing reference or an unsupported kind. */
  static async prepare(pod: Pod, ctx: VolumeContext): Promise<PodVolumes> {
    const vols = new PodVolumes(ctx);
    const refs = new RefReader(ctx.api, pod.metadata.namespace);
    for (const v of pod.spec.volumes ?? []) vols.dirs.set(v.name, await vols.materialize(pod, v, refs));
    return vols;
  }

  /** The bind mounts of one container, with subPath/subPathExpr resolved against its env. */
  mountsFor(container: Container, env: Record<string, string>): ContainerMount[] {
    return (container.volumeMounts ?? []).map((m) => {
      const dir = this.dirs.get(m.name);
      if (dir === undefined) throw new ContainerConfigError(`volumeMount "${m.name}" names no volume of the pod`);
      const sub = m.subPathExpr !== undefined ? expandVars(m.subPathExpr, env) : m.subPath;
      let source = dir;
      if (sub !== undefined && sub !== '') {
        source = inside(dir, sub);
        // A kubelet creates a missing subPath as a directory.
        if (!existsSync(source)) mkdirSync(source, { recursive: true });
      }
      return { source, target: m.mountPath, readOnly: m.readOnly === true };
    });
  }

  /** Removes the pod's volume directories (not hostPath ones). */
  remove(): void {
    rmSync(join(this.ctx.podDir, 'volumes'), { recursive: true, force: true });
    rmSync(this.ctx.shmDir, { recursive: true, force: true });
  }

  private async materialize(pod: Pod, v: Volume, refs: RefReader): Promise<string> {
    const kind = volumeKinds.find((k) => v[k] !== undefined);
    if (v.hostPath) {
      const t = v.hostPath.type ?? '';
      if (t === 'DirectoryOrCreate') mkdirSync(v.hostPath.path, { recursive: true });
      if (t === 'FileOrCreate' && !existsSync(v.hostPath.path)) closeSync(openSync(v.hostPath.path, 'a'));
      return v.hostPath.path;
    }
    if (v.emptyDir) {
      const dir = v.emptyDir.medium === 'Memory' ? join(this.ctx.shmDir, v.name) : join(this.ctx.podDir, 'volumes', v.name);
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      chmodSync(dir, 0o777);
      return dir;
    }
    const dir = join(this.ctx.podDir, 'volumes', v.name);
    mkdirSync(dir, { recursive: true });
    if (v.configMap) {
      await this.writeKeys(dir, refs, 'ConfigMap', v.configMap.name, v.configMap.items, v.configMap.optional, v.configMap.defaultMode);
    } else if (v.secret) {
      await this.writeKeys(dir, refs, 'Secret', v.secret.secretName, v.secret.items, v.secret.optional, v.secret.defaultMode);
    } else if (v.downwardAPI) {
      this.writeDownward(dir, pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode);
    } else if (v.projected) {
      const mode = v.projected.defaultMode;
      for (const src of v.projected.sources ?? []) {
        if (src.serviceAccountToken) {
          writeFile(inside(dir, src.serviceAccountToken.path), await this.token(pod, src.serviceAccountToken), mode ?? 0o644);
        } else if (src.configMap) {
          await this.writeKeys(dir, refs, 'ConfigMap', src.configMap.name, src.configMap.items, src.configMap.optional, mode);
        } else if (src.secret) {
          await this.writeKeys(dir, refs, 'Secret', src.secret.name, src.secret.items, src.secret.optional, mode);
        } else if (src.downwardAPI) {
          this.writeDownward(dir, pod, src.downwardAPI.items ?? [], mode);
        }
      }
    } else {
      const other = Object.keys(v).find((k) => k !== 'name') ?? kind ?? 'unknown';
      throw new ContainerConfigError(`volume "${v.name}": ${other} volumes are not supported by the test node agent`);
    }
    return dir;
  }

  private async writeKeys(dir: string, refs: RefReader, kind: 'ConfigMap' | 'Secret', name: string, items: KeyToPath[] | undefined, optional: boolean | undefined, defaultMode: number | undefined): Promise<void> {
    const data = await refs.read(kind, name);
    if (!data) {
      if (optional === true) return;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
    }
    const list: KeyToPath[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of list) {
      const value = data[item.key];
      if (value === undefined) {
        if (optional === true) continue;
        throw new ContainerConfigError(`couldn't find key ${item.key} in ${kind} ${name}`);
      }
      writeFile(inside(dir, item.path), value, item.mode ?? defaultMode ?? 0o644);
    }
  }

  private writeDownward(dir: string, pod: Pod, items: DownwardApiFile[], defaultMode: number | undefined): void {
    for (const item of items) {
      let value = '';
      if (item.fieldRef) value = fieldValue(pod, item.fieldRef, this.ctx);
      else if (item.resourceFieldRef) {
        const c = pod.spec.containers.find((x) => x.name === item.resourceFieldRef?.containerName) ?? pod.spec.containers[0];
        if (c) value = resourceFieldValue(pod, c, item.resourceFieldRef, this.ctx.allocatable);
      }
      writeFile(inside(dir, item.path), value, item.mode ?? defaultMode ?? 0o644);
    }
  }

  /** A bound service-account token from the TokenRequest API, as the kubelet requests it. */
  private async token(pod: Pod, src: { audience?: string; expirationSeconds?: number }): Promise<string> {
    const sa = pod.spec.serviceAccountName ?? 'default';
    const res = await this.ctx.api.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}/token`, {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: src.audience === undefined || src.audience === '' ? [] : [src.audience],
          expirationSeconds: src.expirationSeconds ?? 3600,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        },
      },
    });
    return res.status.token;
  }
}
