import { AdminClient } from '../admin/admin-client.js';
import { declaredAdminPort, DirectTransport, podIpResolver } from '../admin/admin-transport.js';
import type { AdminTransport, PodRef } from '../admin/admin-transport.js';
import { PortForwardTransport } from '../admin/port-forward-transport.js';
import { ProxyTransport } from '../admin/proxy-transport.js';
import { appLabel } from '../app/app-names.js';
import { readAdminToken } from '../app/apply-children.js';
import { OperatorError } from '../errors.js';
import { KubeClient } from '../kube/kube-client.js';
import type { KubeObject } from '../kube/kube-object.js';
import { loadKubeConfig } from '../kube/load-kube-config.js';
import { resourceTypes } from '../kube/resource-type.js';
import type { CliArgs } from './cli-args.js';

/** A pod of the app, as the plugin lists it. */
export interface AppPod extends PodRef {
  ready: boolean;
}

/** Everything a command needs: the app's pods and an admin client that reaches them. */
export interface PluginContext {
  namespace: string;
  app: string;
  pods: AppPod[];
  admin: AdminClient;
  close(): Promise<void>;
}

interface PodObject extends KubeObject {
  spec?: { containers?: { ports?: { name?: string; containerPort: number }[] }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

/**
 * Connects to the cluster the way kubectl would (kubeconfig, context,
 * namespace), reads the app's admin token from its Secret, lists its running
 * pods and builds the chosen transport.
 */
export async function openPluginContext(args: CliArgs, app: string): Promise<PluginContext> {
  const kc = loadKubeConfig({ kubeconfig: args.kubeconfig, context: args.context });
  const client = new KubeClient(kc);
  const namespace = args.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const token = await readAdminToken(client, namespace, app);
  if (token === undefined) {
    const exists = await client.get(resourceTypes.askrApps, namespace, app);
    throw new OperatorError('ASKR_ERR_NOT_FOUND', exists
      ? `the admin Secret of AskrApp ${namespace}/${app} is missing (the operator creates it)`
      : `no AskrApp "${app}" in namespace "${namespace}"`);
  }
  const list = await client.list<PodObject>(resourceTypes.pods, { namespace, labelSelector: `${appLabel}=${app}` });
  const pods = list.items
    .filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase === 'Running')
    .filter((p) => args.pod === undefined || p.metadata.name === args.pod)
    .map((p): AppPod => ({
      namespace,
      name: p.metadata.name ?? '',
      ...(p.status?.podIP ? { ip: p.status.podIP } : {}),
      ...portOf(p),
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (pods.length === 0) {
    throw new OperatorError('ASKR_ERR_NO_PODS', args.pod === undefined
      ? `AskrApp ${namespace}/${app} has no running pod`
      : `pod ${args.pod} is not a running pod of AskrApp ${namespace}/${app}`);
  }
  const transport = makeTransport(args, client);
  return { namespace, app, pods, admin: new AdminClient(transport, token, args.timeoutMs), close: () => transport.close() };
}

function portOf(p: PodObject): { port?: number } {
  const port = declaredAdminPort(p.spec);
  return port === undefined ? {} : { port };
}

function makeTransport(args: CliArgs, client: KubeClient): AdminTransport {
  if (args.via === 'port-forward') return new PortForwardTransport(client.kubeConfig, args.adminPort);
  if (args.via === 'direct') return new DirectTransport(podIpResolver(args.adminPort));
  return new ProxyTransport(client, args.adminPort);
}
