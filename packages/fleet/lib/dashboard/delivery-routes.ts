/**
 * The dashboard's page of a domain's delivery (`/dashboard/domains/:domain/delivery`): the form, its save,
 * and "Save and test". Everything goes through DeliveryAdmin, as the admin API does.
 */
import { Router, type Response } from 'express';
import { AdminError } from '../admin';
import { DeliveryInputError, type DeliveryAdmin } from '../delivery-admin';
import { DELIVERY_FIELDS, shownDelivery } from '../delivery-config';
import { deliveryPage, type DeliverySectionOptions } from './delivery-pages';
import * as pages from './pages';
import { isDomainName, visitOf, type SendPage } from './visit';

export interface DeliveryRoutesDeps {
  deliveries: DeliveryAdmin;
  send: SendPage;
  /** How long the service keeps a recording without a bucket, in words. */
  keptFor: string;
}

export function deliveryRoutes(deps: DeliveryRoutesDeps): Router {
  const r = Router();
  const { deliveries, send } = deps;
  const show = (res: Response, status: number, domain: string, extra: Partial<DeliverySectionOptions> = {}): void => {
    const v = visitOf(res);
    const current = deliveries.show(v.account!.id, domain);
    send(res, status, { title: `Recordings of ${domain}`, current: 'domains' }, deliveryPage(v.csrf, domain, { shown: current.delivery, configured: current.configured, keptFor: deps.keptFor, ...(current.test ? { report: current.test } : {}), ...extra }));
  };
  const domainOf = (res: Response, raw: unknown): string | undefined => {
    const domain = String(raw).toLowerCase();
    if (isDomainName(domain) && deliveries.has(visitOf(res).account!.id, domain)) return domain;
    send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    return undefined;
  };

  r.get('/domains/:domain/delivery', (req, res) => {
    const domain = domainOf(res, req.params.domain);
    if (domain) show(res, 200, domain);
  });
  r.post('/domains/:domain/delivery', async (req, res) => {
    const domain = domainOf(res, req.params.domain);
    if (!domain) return;
    const v = visitOf(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const input = Object.fromEntries(DELIVERY_FIELDS.map((f) => [f, typeof body[f] === 'string' ? body[f].slice(0, 2000) : '']));
    try {
      await deliveries.set(v.account!.id, domain, input);
    } catch (err) {
      if (!(err instanceof DeliveryInputError)) throw err;
      // What was sent comes back (the secret never does).
      const sent = { ...shownDelivery(undefined), ...input, s3_secret_access_key: '', s3_secret_stored: deliveries.show(v.account!.id, domain).delivery.s3_secret_stored };
      return show(res, 400, domain, { shown: sent, errors: err.errors });
    }
    if (body.action !== 'test' || !deliveries.show(v.account!.id, domain).configured) return show(res, 200, domain, { saved: true });
    try {
      const report = await deliveries.test(v.account!.id, domain);
      show(res, report.ok ? 200 : 422, domain, { saved: true, report });
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      show(res, err.status, domain);
    }
  });
  return r;
}
