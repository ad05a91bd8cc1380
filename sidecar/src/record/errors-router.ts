import { Router } from 'express';
import { AskrError } from '../errors.js';
import type { BufferedResponse } from '../replay/buffer-sink.js';
import type { ErrorEnvelope } from './envelope.js';
import type { ErrorStore } from './error-store.js';

/**
 * Admin routes over the recordings: list (newest first), fetch one envelope,
 * replay one on a fresh worker. Mounted behind the admin token.
 */
export function errorsRouter(store: ErrorStore, replay: (envelope: ErrorEnvelope, bodyPath: string | null) => Promise<BufferedResponse>): Router {
  const router = Router();
  const status = (err: unknown): number => (err instanceof AskrError ? err.status : 500);
  router.get('/askr/errors', (req, res) => {
    const limit = Math.max(1, Math.min(10_000, Number(req.query.limit ?? 1000) || 1000));
    store.list(limit).then(
      (errors) => res.json({ errors }),
      (err: unknown) => res.status(500).json({ error: (err as Error).message }),
    );
  });
  router.get('/askr/errors/:id', (req, res) => {
    store.read(req.params.id).then(
      (envelope) => res.json(envelope),
      (err: unknown) => res.status(status(err)).json({ error: (err as Error).message }),
    );
  });
  router.get('/askr/errors/:id/body', (req, res) => {
    store.read(req.params.id).then(
      (envelope) => {
        const path = store.bodyPath(envelope);
        if (path === null) res.type('application/octet-stream').send(Buffer.alloc(0));
        else res.type('application/octet-stream').sendFile(path);
      },
      (err: unknown) => res.status(status(err)).json({ error: (err as Error).message }),
    );
  });
  router.post('/askr/errors/:id/replay', (req, res) => {
    store
      .read(req.params.id)
      .then((envelope) => replay(envelope, store.bodyPath(envelope)))
      .then(
        (r) => {
          const text = r.body.toString('utf8');
          const isText = Buffer.from(text, 'utf8').equals(r.body);
          res.json({ status: r.status, headers: r.headers, body: isText ? text : r.body.toString('base64'), bodyEncoding: isText ? 'utf8' : 'base64' });
        },
        (err: unknown) => res.status(err instanceof AskrError && err.code === 'ASKR_ERR_NOT_FOUND' ? 404 : 502).json({ error: (err as Error).message }),
      );
  });
  return router;
}
