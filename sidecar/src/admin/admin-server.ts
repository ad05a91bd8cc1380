import express, { type Express, type Router } from 'express';
import { adminAuth } from './admin-auth.js';

export interface WorkerLimits {
  min: number;
  max: number;
}

export interface AdminDeps {
  token: string | undefined;
  /** Prometheus exposition of every front process. */
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): Promise<Record<string, unknown>> | Record<string, unknown>;
  readiness(): { ready: boolean; reasons: string[] };
  limits(): WorkerLimits;
  /** Sets the pod's floor and ceiling; returns an error message for bad input. */
  setLimits(limits: WorkerLimits): string | null;
  /** Hard bound for any ceiling (--workers-max as started, times a margin, or the operator's). */
  maxCeiling: number;
  /** Feature routers mounted behind the token (errors, cache). */
  routers: Router[];
}

/**
 * The admin API: /healthz and /readyz open, everything else behind the admin
 * token. Built without listening so tests can mount it on port 0.
 */
export function buildAdminApp(deps: AdminDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const r = deps.readiness();
    res.status(r.ready ? 200 : 503).json(r);
  });
  app.use(adminAuth(deps.token));
  app.use(express.json({ limit: '1mb' }));
  app.get('/metrics', (_req, res, next) => {
    deps.metrics().then(({ contentType, body }) => {
      res.set('Content-Type', contentType).send(body);
    }, next);
  });
  app.get('/askr/status', (_req, res, next) => {
    Promise.resolve(deps.status()).then((s) => {
      res.json(s);
    }, next);
  });
  app.get('/askr/workers', (_req, res) => {
    res.json(deps.limits());
  });
  app.put('/askr/workers', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const current = deps.limits();
    const max = body.max ?? current.max;
    const min = body.min ?? Math.min(current.min, typeof max === 'number' ? max : current.min);
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > deps.maxCeiling) {
      res.status(400).json({ error: `"max" must be an integer from 1 to ${deps.maxCeiling}` });
      return;
    }
    if (typeof min !== 'number' || !Number.isInteger(min) || min < 1 || min > max) {
      res.status(400).json({ error: '"min" must be an integer from 1 to "max"' });
      return;
    }
    const error = deps.setLimits({ min, max });
    if (error) {
      res.status(400).json({ error });
      return;
    }
    res.json({ min, max });
  });
  for (const router of deps.routers) app.use(router);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    res.status(status).json({ error: err.message });
  });
  return app;
}
