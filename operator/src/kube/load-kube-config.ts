import { KubeConfig } from '@kubernetes/client-node';
import { OperatorError } from '../errors.js';

/**
 * A KubeConfig from a file (optionally switching context), else the default
 * chain: $KUBECONFIG, ~/.kube/config, the in-cluster service account.
 */
export function loadKubeConfig(opts: { kubeconfig?: string | undefined; context?: string | undefined } = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new OperatorError('ASKR_ERR_CONFIG', `cannot load kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) throw new OperatorError('ASKR_ERR_CONFIG', `--context: no context "${opts.context}" in the kubeconfig`);
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) throw new OperatorError('ASKR_ERR_CONFIG', 'the kubeconfig has no current cluster');
  return kc;
}
