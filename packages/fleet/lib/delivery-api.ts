/**
 * The admin API of a domain's delivery settings (under /admin, behind the admin token):
 *   GET  /accounts/:id/domains/:domain/delivery        the settings (never the secret) and the last test
 *   PUT  /accounts/:id/domains/:domain/delivery        saves them ({} clears: the service keeps the recordings)
 *   POST /accounts/:id/domains/:domain/delivery/test   writes, reads back and removes a test object, posts a test event
 */
import { Router, type Response } from 'express';
import { DeliveryInputError, type DeliveryAdmin } from './delivery-admin';
import { shownDelivery } from './delivery-config';
import { reply } from './envelope';

export function deliveryAdminRouter(admin: DeliveryAdmin): Router {
  const r = Router();
  const path = '/accounts/:id/domains/:domain/delivery';
  const fieldErrors = (res: Response, err: unknown): void => {
    if (!(err instanceof DeliveryInputError)) throw err;
    reply(res, 400, err.message, { field: err.errors[0]!.field, errors: err.errors });
  };
  r.get(path, (req, res) => reply(res, 200, 'delivery', admin.show(String(req.params.id), String(req.params.domain))));
  r.put(path, async (req, res) => {
    try {
      const c = await admin.set(String(req.params.id), String(req.params.domain), req.body ?? {});
      reply(res, 200, c.s3 || c.webhookUrl ? 'delivery saved; POST .../delivery/test tries it' : 'no delivery: the service keeps the recordings for its retention', { delivery: shownDelivery(c) });
    } catch (err) {
      fieldErrors(res, err);
    }
  });
  r.post(`${path}/test`, async (req, res) => {
    const report = await admin.test(String(req.params.id), String(req.params.domain));
    reply(res, 200, report.ok ? 'the delivery test passed' : `the delivery test failed: ${report.steps.filter((s) => !s.ok).map((s) => s.message).join(' ')}`, { test: report });
  });
  return r;
}
