/**
 * The dashboard's Deploy pages: the form, its review with the price, and the deploy itself (through the
 * same Deployer and outbound guard as POST /deploy-recorder).
 */
import { Router, type Response } from 'express';
import type { FieldError } from '../deploy-request';
import { FleetError } from '../deployer';
import { OutboundRefused, OutboundUnresolved, resolveChecked } from '../outbound-guard';
import { locationOptions, parseDeployForm, pricePreview } from './deploy-form';
import * as pages from './pages';
import { visitOf, type PageContext } from './visit';

export function deployRoutes(ctx: PageContext): Router {
  const { config, store, deployer, log, send } = ctx;
  const r = Router();
  const completeDomains = (accountId: string): string[] => store.domains(accountId).filter((d) => d.verifiedAt).map((d) => d.domain);
  const locations = () => locationOptions(config, (b) => store.slotsUsed(b), (b) => Boolean(deployer.serves(b)));
  const formValues = (body: unknown): Record<string, string> => {
    const b = (body ?? {}) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const k of ['domain', 'recorders', 'duration', 'location', 'callback_url']) out[k] = typeof b[k] === 'string' ? (b[k]).slice(0, 2000) : '';
    return out;
  };
  const deployForm = (res: Response, status: number, values: Record<string, string>, extra: { errors?: FieldError[]; error?: string } = {}): void => {
    const a = visitOf(res).account!;
    const free = locations();
    const first = free.find((l) => l.free > 0);
    send(res, status, { title: 'Deploy', current: 'deploy' }, pages.deployPage(visitOf(res).csrf, {
      domains: completeDomains(a.id),
      locations: free,
      balance: a.balance,
      values: { ...values, location: values.location || first?.code || '' },
      ...extra,
    }));
  };
  r.get('/deploy', (req, res) => deployForm(res, 200, { domain: typeof req.query.domain === 'string' ? req.query.domain : '' }));
  r.post('/deploy/edit', (req, res) => deployForm(res, 200, formValues(req.body)));
  r.post('/deploy/review', (req, res) => {
    const a = visitOf(res).account!;
    const values = formValues(req.body);
    const parsed = parseDeployForm(req.body, completeDomains(a.id));
    if (!parsed.ok) return deployForm(res, 400, values, { errors: parsed.errors });
    const loc = locations().find((l) => l.code === parsed.request.location)!;
    send(res, 200, { title: 'Confirm', current: 'deploy' }, pages.reviewPage(visitOf(res).csrf, {
      values,
      locationName: loc.name,
      preview: pricePreview(parsed.request.recorders, parsed.request.durationHours, loc.price, a.balance),
      balance: a.balance,
      free: loc.free,
    }));
  });
  r.post('/deploy', async (req, res) => {
    const v = visitOf(res);
    const values = formValues(req.body);
    const parsed = parseDeployForm(req.body, completeDomains(v.account!.id));
    if (!parsed.ok) return deployForm(res, 400, values, { errors: parsed.errors });
    if (deployer.maintenance) return deployForm(res, 503, values, { error: 'The service is down for planned maintenance: deploys are paused. Try again later.' });
    if (parsed.request.callbackUrl) {
      const callback = new URL(parsed.request.callbackUrl);
      try {
        await resolveChecked('callback_url', callback.hostname, Number(callback.port || (callback.protocol === 'https:' ? 443 : 80)), config.callbackAllowedHosts);
      } catch (err) {
        if (err instanceof OutboundRefused) log.warn(`dashboard deploy refused: ${err.detail}`);
        if (err instanceof OutboundRefused || err instanceof OutboundUnresolved) return deployForm(res, 400, values, { errors: [{ field: 'callback_url', message: err.message.replace(/^callback_url: /, ': ') }] });
        throw err;
      }
    }
    try {
      const { deployment } = deployer.deploy(v.account!, { ...parsed.request, apiKey: '' });
      log.info(`user ${v.user!.id} deployed ${deployment.id}`);
      res.redirect(303, `/dashboard/deployments/${deployment.id}`);
    } catch (err) {
      if (err instanceof FleetError) return deployForm(res, err.status, values, { error: `${err.message[0]!.toUpperCase()}${err.message.slice(1)}.` });
      throw err;
    }
  });
  return r;
}
