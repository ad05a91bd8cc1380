#!/usr/bin/env node
// askr-operator: wires configuration, the API client, the AskrApp controller,
// leader election and the probe endpoints, then runs until SIGTERM.
import { registerAskrAppController } from './app/askr-app-controller.js';
import { loadOperatorConfig } from './config/operator-config.js';
import { jsonLogger } from './controller/logger.js';
import { Operator } from './controller/operator.js';
import { errorMessage, OperatorError } from './errors.js';
import { HealthServer } from './health-server.js';
import { KubeClient } from './kube/kube-client.js';
import { loadKubeConfig } from './kube/load-kube-config.js';

async function main(): Promise<void> {
  const config = loadOperatorConfig(process.argv.slice(2), process.env);
  const log = jsonLogger(config.logLevel);
  const client = new KubeClient(loadKubeConfig({ kubeconfig: config.kubeconfig }));
  const operator = new Operator({
    client, log, name: 'askr.dev/operator', identity: config.identity,
    ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
    ...(config.leaderElect ? { leaderElection: { name: config.leaseName, namespace: config.leaseNamespace } } : {}),
  });
  registerAskrAppController(operator, { sidecarImage: config.sidecarImage });

  let electing = false;
  const health = new HealthServer(() => operator.running || electing);
  const port = await health.listen(config.healthListen.port, config.healthListen.host);
  log.info('askr-operator starting', { identity: config.identity, healthPort: port, namespace: config.watchNamespace ?? '(all)' });

  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await operator.stop();
    await health.close();
    process.exit(code);
  };
  process.on('SIGTERM', () => { void shutdown(0); });
  process.on('SIGINT', () => { void shutdown(0); });

  electing = config.leaderElect;
  await operator.start(() => {
    const lost = new OperatorError('ASKR_ERR_LEADERSHIP_LOST', 'the leader Lease was lost; exiting to restart clean');
    log.error(lost.message, { code: lost.code });
    void shutdown(lost.exitCode);
  });
}

main().catch((err: unknown) => {
  const code = err instanceof OperatorError ? err.exitCode : 1;
  process.stderr.write(`askr-operator: ${errorMessage(err)}\n`);
  process.exit(code);
});
