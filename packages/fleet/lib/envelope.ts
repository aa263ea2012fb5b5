/**
 * The seed's answer envelope, shared by every JSON endpoint of the fleet (developer, admin, recordings):
 * `{"it": "worked"|"failed", "message": ..., ...}`, `it` following the HTTP status.
 */
import type { Response } from 'express';

export function reply(res: Response, status: number, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ it: status < 300 ? 'worked' : 'failed', message, ...extra });
}
