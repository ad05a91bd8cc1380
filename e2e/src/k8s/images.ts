import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from './errors.js';

/** The repository root (resolved from this file, not assumed). */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** A host directory that appears at `containerPath` copy-on-write, as an image layer would. */
export interface ImageLayer {
  hostPath: string;
  containerPath: string;
}

/**
 * A local stand-in for a container image: which host directories make up its
 * filesystem, and the OCI config a runtime reads (ENTRYPOINT, CMD, ENV,
 * WORKDIR). A container's `command` replaces `entrypoint` and its `args`
 * replace `cmd`, exactly as a kubelet applies them to a real image.
 */
export interface LocalImage {
  layers: ImageLayer[];
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
}

/** Docker's default PATH, plus the directory of the node binary running the tests. */
const defaultPath = [...new Set([dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(':');

/**
 * Normalises an image reference the way a runtime does for Docker Hub names:
 * `docker.io/library/x` and `x` are the same image, and no tag means `latest`.
 */
export function normalizeImageRef(ref: string): string {
  let r = ref.trim().replace(/^docker\.io\//, '').replace(/^library\//, '');
  const lastSlash = r.lastIndexOf('/');
  if (!r.includes('@') && !r.slice(lastSlash + 1).includes(':')) r += ':latest';
  return r;
}

/**
 * Maps image references to local images. The defaults:
 * - `askr/sidecar:dev`: ENTRYPOINT `askr`, CMD `serve`; `askr` runs the
 *   repository's `sidecar/dist/cli/main.js` (build it first: `npm run build`).
 * - `askr/php:dev`: the PHP runtime (`php-image/runtime`) at `/opt/askr/runtime`,
 *   `php` on PATH, WORKDIR `/app`, CMD `php -a` (as the official php image).
 * - `askr/<example>:dev` for every `examples/<example>/` directory: the same,
 *   plus the example app at `/app` (an app image built `FROM askr/php`).
 * - `askr/operator:dev`: ENTRYPOINT `askr-operator`, the repository's
 *   `operator/dist/main.js` (build it first).
 * - The published names the chart defaults to, at any tag:
 *   `ghcr.io/askr-dev/askr-operator`, `ghcr.io/askr-dev/askr-sidecar` and
 *   `ghcr.io/askr-dev/askr-example-<example>`, run as the images above.
 * - `askr-e2e/echo:dev`: a small HTTP server for the harness's own tests
 *   (`test-images/echo-server.ts`), listening on `$PORT` (default 8080).
 */
export class ImageRegistry {
  private readonly images = new Map<string, LocalImage>();
  private readonly resolvers: ((ref: string) => LocalImage | undefined)[] = [];

  /** A registry with the default images. */
  static withDefaults(): ImageRegistry {
    const reg = new ImageRegistry();
    const runtime: ImageLayer = { hostPath: join(repoRoot, 'php-image', 'runtime'), containerPath: '/opt/askr/runtime' };
    const binPath = `${join(repoRoot, 'e2e', 'src', 'k8s', 'image-bin')}:${defaultPath}`;
    const sidecar: LocalImage = { layers: [], entrypoint: ['askr'], cmd: ['serve'], env: { PATH: binPath }, workingDir: '/' };
    const operator: LocalImage = { layers: [], entrypoint: ['askr-operator'], cmd: [], env: { PATH: binPath }, workingDir: '/' };
    const example = (name: string): LocalImage | undefined => {
      const dir = join(repoRoot, 'examples', name);
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(name) || !existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
      return { layers: [{ hostPath: dir, containerPath: '/app' }, runtime], entrypoint: [], cmd: ['php', '-a'], env: { PATH: defaultPath }, workingDir: '/app' };
    };
    reg.register('askr/sidecar:dev', sidecar);
    reg.register('askr/operator:dev', operator);
    reg.register('askr/php:dev', { layers: [runtime], entrypoint: [], cmd: ['php', '-a'], env: { PATH: defaultPath }, workingDir: '/app' });
    reg.register((ref) => {
      const m = /^askr\/([^:/]+):dev$/.exec(ref);
      return m?.[1] === undefined ? undefined : example(m[1]);
    });
    reg.register((ref) => {
      const m = /^ghcr\.io\/askr-dev\/askr-([^:/@]+)[:@]/.exec(ref);
      if (m?.[1] === 'operator') return operator;
      if (m?.[1] === 'sidecar') return sidecar;
      return m?.[1]?.startsWith('example-') === true ? example(m[1].slice('example-'.length)) : undefined;
    });
    reg.register('askr-e2e/echo:dev', {
      layers: [],
      entrypoint: ['node', '--import', import.meta.resolve('tsx'), join(repoRoot, 'e2e', 'src', 'k8s', 'test-images', 'echo-server.ts')],
      cmd: [],
      env: { PATH: defaultPath, PORT: '8080' },
      workingDir: '/',
    });
    return reg;
  }

  /** Adds an image under a reference, or a resolver consulted (in order) for references not registered by name. */
  register(refOrResolver: string | ((ref: string) => LocalImage | undefined), image?: LocalImage): void {
    if (typeof refOrResolver === 'string') {
      if (!image) throw new HarnessError('ASKR_ERR_K8S_IMAGE', `register("${refOrResolver}", image) needs an image`);
      this.images.set(normalizeImageRef(refOrResolver), image);
    } else {
      this.resolvers.push(refOrResolver);
    }
  }

  /** The image for a reference; throws `ASKR_ERR_K8S_IMAGE` (shown as ErrImagePull) if none. */
  resolve(ref: string): LocalImage {
    const key = normalizeImageRef(ref);
    const found = this.images.get(key) ?? this.resolvers.reduce<LocalImage | undefined>((acc, r) => acc ?? r(key), undefined);
    if (!found) throw new HarnessError('ASKR_ERR_K8S_IMAGE', `image "${ref}" is not in the local image registry (known: ${[...this.images.keys()].join(', ')}, askr/<example>:dev)`);
    return found;
  }
}
