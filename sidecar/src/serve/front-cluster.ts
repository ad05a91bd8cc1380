import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from 'prom-client';
import type { ServeConfig } from '../config/serve-config.js';
import { AskrError } from '../errors.js';
import { isBusEnvelope, type BusEnvelope } from '../ipc/cluster-front-bus.js';
import type { Logger } from '../log/logger.js';

interface ReadyMessage {
  askrFront: 'ready';
  port: number;
  address: string;
  family: string;
}

function isReady(msg: unknown): msg is ReadyMessage {
  return typeof msg === 'object' && msg !== null && (msg as { askrFront?: string }).askrFront === 'ready';
}

const RESTART_DELAY_MS = 500;

/**
 * Front processes as cluster workers (`--http-procs N`): forks them, relays
 * their bus messages to each other, restarts one that dies, aggregates their
 * metrics, and drains them on shutdown.
 */
export class FrontCluster {
  private readonly workers = new Map<number, Worker>();
  private readonly aggregator = new AggregatorRegistry();
  private readonly observers = new Map<string, Set<(payload: unknown) => void>>();
  private stopping = false;

  constructor(
    private readonly config: ServeConfig,
    private readonly templateSocket: string,
    private readonly log: Logger,
  ) {}

  async start(timeoutMs: number): Promise<{ address: string; family: string; port: number }> {
    const exec = fileURLToPath(new URL('./front-child.js', import.meta.url)).replace(/\.js$/, import.meta.url.endsWith('.ts') ? '.ts' : '.js');
    cluster.setupPrimary({ exec, execArgv: process.execArgv, silent: false });
    const ready = Array.from({ length: this.config.httpProcs }, (_, i) => this.fork(i));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new AskrError('ASKR_ERR_TEMPLATE', `front processes not ready within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const addresses = await Promise.race([Promise.all(ready), timeout]);
      return addresses[0] as ReadyMessage;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Observes bus messages the front processes send each other (the peer links follow ring wake-ups). */
  observe(topic: string, handler: (payload: unknown) => void): () => void {
    let set = this.observers.get(topic);
    if (!set) this.observers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Sends a bus message from the supervisor to every front process. */
  publish(topic: string, payload: unknown): void {
    const envelope: BusEnvelope = { askrBus: { topic, payload, from: -1 } };
    for (const w of this.workers.values()) if (w.isConnected()) w.send(envelope);
  }

  metrics(): Promise<{ contentType: string; body: string }> {
    return this.aggregator.clusterMetrics().then((body) => ({ contentType: this.aggregator.contentType, body }));
  }

  /** Drains every front process (in-flight requests and deferred work finish), bounded. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) {
            resolve();
            return;
          }
          const timer = setTimeout(() => {
            w.process.kill('SIGKILL');
          }, timeoutMs);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          w.send({ askrFront: 'drain' });
        }),
    );
    await Promise.all(exits);
  }

  private fork(index: number): Promise<ReadyMessage> {
    const worker = cluster.fork({
      ASKR_FRONT_SETUP: JSON.stringify({ config: this.config, procIndex: index, procs: this.config.httpProcs, templateSocket: this.templateSocket }),
    });
    this.workers.set(index, worker);
    worker.on('message', (msg: unknown) => {
      if (isBusEnvelope(msg)) {
        for (const [i, other] of this.workers) if (i !== msg.askrBus.from && other.isConnected()) other.send(msg);
        for (const h of this.observers.get(msg.askrBus.topic) ?? []) h(msg.askrBus.payload);
      }
    });
    worker.on('exit', (code, signal) => {
      if (this.stopping) return;
      this.log.warn(`front process ${index} exited (${signal || `code ${code}`}); restarting it`);
      setTimeout(() => {
        if (!this.stopping) void this.fork(index).catch(() => undefined);
      }, RESTART_DELAY_MS);
    });
    return new Promise((resolve, reject) => {
      const onMessage = (msg: unknown): void => {
        if (isReady(msg)) {
          worker.off('message', onMessage);
          resolve(msg);
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => {
        reject(new AskrError('ASKR_ERR_TEMPLATE', `front process ${index} exited during start (code ${code})`));
      });
    });
  }
}
