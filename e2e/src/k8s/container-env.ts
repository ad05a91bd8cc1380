import { HarnessError } from './errors.js';
import type { KubeApi } from './kube-api.js';
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from './pod-types.js';
import { resourceValue } from './quantity.js';

/** What env resolution needs besides the pod: the API (for Secrets and ConfigMaps) and runtime facts. */
export interface EnvContext {
  api: KubeApi;
  podIp: string;
  hostIp: string;
  /** The node's allocatable resources: a kubelet's stand-in for limits a container does not set. */
  allocatable: Record<string, string>;
  /** Variables every container gets first (the `kubernetes` Service's KUBERNETES_SERVICE_HOST/PORT …). */
  serviceEnv: Record<string, string>;
}

/** A missing Secret, ConfigMap or key: the container cannot start (kubelet: CreateContainerConfigError). */
export class ContainerConfigError extends HarnessError {
  constructor(message: string) {
    super('ASKR_ERR_K8S_POD_CONFIG', message);
  }
}

interface DataObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** Fetches ConfigMaps and Secrets once per resolution and decodes their values. */
export class RefReader {
  private readonly cache = new Map<string, DataObject | undefined>();

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
  ) {}

  /** All keys of a ConfigMap or Secret, decoded; undefined if it does not exist. */
  async read(kind: 'ConfigMap' | 'Secret', name: string): Promise<Record<string, Buffer> | undefined> {
    const path = `/api/v1/namespaces/${this.namespace}/${kind === 'Secret' ? 'secrets' : 'configmaps'}/${name}`;
    if (!this.cache.has(path)) this.cache.set(path, await this.api.getOrUndefined<DataObject>(path));
    const obj = this.cache.get(path);
    if (!obj) return undefined;
    const out: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = kind === 'Secret' ? Buffer.from(v, 'base64') : Buffer.from(v);
    for (const [k, v] of Object.entries(obj.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
    return out;
  }

  /** One key; undefined when optional and missing, ContainerConfigError when required and missing. */
  async key(kind: 'ConfigMap' | 'Secret', ref: { name: string; key: string; optional?: boolean }): Promise<Buffer | undefined> {
    const all = await this.read(kind, ref.name);
    if (!all) {
      if (ref.optional === true) return undefined;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
    }
    const v = all[ref.key];
    if (v === undefined && ref.optional !== true) throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${this.namespace}/${ref.name}`);
    return v;
  }
}

/**
 * Expands `$(VAR)` references as a kubelet does: defined names are replaced,
 * `$$` escapes a `$`, and undefined references stay as written.
 */
export function expandVars(input: string, vars: Record<string, string>): string {
  return input.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return vars[name] ?? whole;
  });
}

function mapLines(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k])}`)
    .join('\n');
}

/** The value of a downward-API field path (`fieldRef`), as env or as a file. */
export function fieldValue(pod: Pod, sel: ObjectFieldSelector, ctx: Pick<EnvContext, 'podIp' | 'hostIp'>): string {
  const path = sel.fieldPath;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub?.[1] !== undefined && sub[2] !== undefined) return (sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[sub[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'metadata.labels':
      return mapLines(pod.metadata.labels);
    case 'metadata.annotations':
      return mapLines(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIp;
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIp;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  }
}

/** The value of a `resourceFieldRef`; unset limits read as the node's allocatable, unset requests as 0. */
export function resourceFieldValue(pod: Pod, self: Container, sel: ResourceFieldSelector, allocatable: Record<string, string>): string {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const c = sel.containerName === undefined || sel.containerName === '' ? self : all.find((x) => x.name === sel.containerName);
  if (!c) throw new ContainerConfigError(`resourceFieldRef names no container "${sel.containerName ?? ''}"`);
  const [kind, resource] = sel.resource.includes('.') ? sel.resource.split('.', 2) : ['limits', sel.resource];
  if (resource === undefined) throw new ContainerConfigError(`bad resourceFieldRef ${sel.resource}`);
  const q = kind === 'limits' ? (c.resources?.limits?.[resource] ?? allocatable[resource]) : (c.resources?.requests?.[resource] ?? 0);
  if (q === undefined) throw new ContainerConfigError(`unsupported resourceFieldRef ${sel.resource}`);
  return resourceValue(q, sel.divisor);
}

/**
 * The environment a kubelet gives a container, in its order: service variables,
 * then `envFrom` (with prefixes), then `env` (each value expanded against what
 * came before), with `valueFrom` resolved. Image variables are not included:
 * the caller lays these over the image's.
 */
export async function resolveContainerEnv(pod: Pod, container: Container, ctx: EnvContext): Promise<Record<string, string>> {
  const refs = new RefReader(ctx.api, pod.metadata.namespace);
  const env: Record<string, string> = { ...ctx.serviceEnv };
  for (const from of container.envFrom ?? []) {
    const src = from.configMapRef ? { kind: 'ConfigMap' as const, ...from.configMapRef } : from.secretRef ? { kind: 'Secret' as const, ...from.secretRef } : undefined;
    if (!src) continue;
    const data = await refs.read(src.kind, src.name);
    if (!data) {
      if (src.optional === true) continue;
      throw new ContainerConfigError(`${src.kind.toLowerCase()} "${src.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v.toString('utf8');
  }
  for (const v of container.env ?? []) {
    const from = v.valueFrom;
    let value: string | undefined;
    if (from?.secretKeyRef) value = (await refs.key('Secret', from.secretKeyRef))?.toString('utf8');
    else if (from?.configMapKeyRef) value = (await refs.key('ConfigMap', from.configMapKeyRef))?.toString('utf8');
    else if (from?.fieldRef) value = fieldValue(pod, from.fieldRef, ctx);
    else if (from?.resourceFieldRef) value = resourceFieldValue(pod, container, from.resourceFieldRef, ctx.allocatable);
    else value = expandVars(v.value ?? '', env);
    // An optional reference that is missing leaves the variable unset.
    if (value !== undefined) env[v.name] = value;
  }
  return env;
}
