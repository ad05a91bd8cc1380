import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * The admin token check: `Authorization: Bearer <token>` or `X-Askr-Token`
 * (the Kubernetes API server's pod proxy strips Authorization). Compared in
 * constant time. Without a configured token everything behind it is closed.
 */
export function adminAuth(token: string | undefined) {
  const expected = token === undefined ? null : createHash('sha256').update(token).digest();
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected === null) {
      res.status(403).json({ error: 'the admin API is disabled: start askr serve with --admin-token (or ASKR_ADMIN_TOKEN)' });
      return;
    }
    const header = req.get('authorization');
    const given = header?.startsWith('Bearer ') ? header.slice(7) : req.get('x-askr-token');
    if (given === undefined || !timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="askr"').json({ error: 'missing or wrong admin token' });
      return;
    }
    next();
  };
}
