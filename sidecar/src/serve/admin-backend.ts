import type { Router } from 'express';
import type { ServeConfig } from '../config/serve-config.js';
import type { Logger } from '../log/logger.js';
import { TemplateClient } from '../php/template-client.js';
import { ErrorStore } from '../record/error-store.js';
import { errorsRouter } from '../record/errors-router.js';
import { replayOnFreshWorker, requestFromEnvelope } from '../replay/replay-runner.js';

/**
 * Admin features that work from any process of the pod: they need only the
 * disk (recordings) and a connection of their own to the template (replays run
 * on a worker forked just for them).
 */
export class AdminBackend {
  private replayTemplate: TemplateClient | null = null;

  constructor(
    private readonly config: ServeConfig,
    private readonly templateSocket: string,
    private readonly log: Logger,
  ) {}

  routers(): Router[] {
    const routers: Router[] = [];
    if (this.config.recordErrors !== undefined) {
      const store = new ErrorStore(this.config.recordErrors, this.config.recordMaxFiles, this.config.recordMaxBytes);
      routers.push(
        errorsRouter(store, async (envelope, bodyPath) => {
          const { request } = await requestFromEnvelope(envelope, bodyPath);
          const template = await this.template();
          return await replayOnFreshWorker(template, template.hello?.mode ?? this.config.mode, this.config.runDir, request, this.config.requestTimeout * 1000, this.log);
        }),
      );
    }
    return routers;
  }

  close(): void {
    this.replayTemplate?.close();
  }

  private async template(): Promise<TemplateClient> {
    if (this.replayTemplate?.connected) return this.replayTemplate;
    this.replayTemplate?.close();
    const client = new TemplateClient(this.templateSocket);
    await client.connect(10_000);
    this.replayTemplate = client;
    return client;
  }
}
