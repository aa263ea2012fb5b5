/**
 * The dashboard's Domains pages: the list, and a domain's form (its Jitsi's addresses and the recorder's
 * login, tested on save) with the card of where its recordings go.
 */
import { Router } from 'express';
import { AdminError } from '../admin';
import type { DeliveryAdmin } from '../delivery-admin';
import { missingFields, SECRET_FIELDS, type DomainConfig } from '../domain-config';
import { deliverySummary } from './delivery-pages';
import { html, type Html } from './html';
import * as pages from './pages';
import { keptFor } from './recording-pages';
import { explainTestLogin } from './test-login';
import { isDomainName, visitOf, type PageContext } from './visit';

export function domainRoutes(ctx: PageContext, deliveries: DeliveryAdmin | undefined): Router {
  const { config, store, admin, log, send } = ctx;
  const r = Router();
  /** The domain's "Where recordings go" card, once the domain exists. */
  const whereTo = (accountId: string, domain: string): Html => {
    if (!deliveries?.has(accountId, domain)) return html``;
    const d = deliveries.show(accountId, domain);
    return deliverySummary(domain, { shown: d.delivery, configured: d.configured, keptFor: keptFor(config.recordingsRetentionSec), ...(d.test ? { report: d.test } : {}) });
  };
  const domainRows = (accountId: string): pages.DomainRow[] =>
    store.domains(accountId).map((d) => ({ ...d, missing: missingFields(store.domain(accountId, d.domain)?.config ?? {}) }));
  r.get('/domains', (_req, res) => send(res, 200, { title: 'Domains', current: 'domains' }, pages.domainsPage(domainRows(visitOf(res).account!.id), {})));
  r.get('/domains/new', (req, res) => {
    const domain = typeof req.query.domain === 'string' ? req.query.domain.trim().toLowerCase() : '';
    if (!isDomainName(domain)) {
      return send(res, 400, { title: 'Domains', current: 'domains' }, pages.domainsPage(domainRows(visitOf(res).account!.id), { newDomain: domain.slice(0, 253), error: 'Enter a domain name, e.g. meet.example.com.' }));
    }
    res.redirect(303, `/dashboard/domains/${domain}`);
  });
  r.get('/domains/:domain', (req, res) => {
    const domain = String(req.params.domain).toLowerCase();
    if (!isDomainName(domain)) return send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    const stored = store.domain(visitOf(res).account!.id, domain);
    const missing = stored && !stored.verifiedAt ? missingFields(stored.config) : [];
    send(res, 200, { title: domain, current: 'domains' }, html`${pages.domainPage(visitOf(res).csrf, domain, stored?.config ?? {}, {
      ...(stored?.verifiedAt ? { verifiedAt: stored.verifiedAt } : {}),
      ...(stored?.verifyError ? { explanation: explainTestLogin(stored.verifyError, stored.config), detail: stored.verifyError } : {}),
      ...(stored && missing.length ? { missing } : {}),
    })}${whereTo(visitOf(res).account!.id, domain)}`);
  });
  r.post('/domains/:domain', async (req, res) => {
    const v = visitOf(res);
    const domain = String(req.params.domain).toLowerCase();
    if (!isDomainName(domain)) return send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    const body = req.body as Record<string, unknown>;
    const stored = store.domain(v.account!.id, domain)?.config ?? {};
    const input: Record<string, string> = {};
    for (const f of pages.DOMAIN_FORM_FIELDS) {
      const value = typeof body[f] === 'string' ? (body[f]) : '';
      // An empty password field keeps the stored password: the page never shows it.
      input[f] = !value.trim() && (SECRET_FIELDS as readonly string[]).includes(f) ? (stored[f as keyof DomainConfig] ?? '') : value;
    }
    const shown: DomainConfig = { ...input };
    try {
      const result = await admin.setDomain(v.account!.id, domain, input);
      log.info(`domain ${domain} of account ${v.account!.id} saved; ${result.complete ? 'its test login passed' : result.missing.length ? 'incomplete' : 'its test login failed'}`);
      const saved = store.domain(v.account!.id, domain);
      send(res, result.complete ? 200 : 422, { title: domain, current: 'domains' }, html`${pages.domainPage(v.csrf, domain, saved?.config ?? shown, {
        ...(saved?.verifiedAt ? { verifiedAt: saved.verifiedAt } : {}),
        ...(result.error ? { explanation: explainTestLogin(result.error, shown), detail: result.error } : {}),
        ...(result.missing.length ? { missing: result.missing } : {}),
      })}${whereTo(v.account!.id, domain)}`);
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      send(res, err.status, { title: domain, current: 'domains' }, pages.domainPage(v.csrf, domain, shown, { error: err.message }));
    }
  });
  return r;
}
