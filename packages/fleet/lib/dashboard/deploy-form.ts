/**
 * Pure: the dashboard's deploy form. The same checks as the developer API's (parseDeployRequest), but
 * the callback URL is optional here (the dashboard itself shows the outcome), the price preview, and
 * what each of the seed's eight locations costs and whether it has room.
 */
import { LOCATIONS, priceOf, type FleetConfig, type Location } from '../config';
import { parseDeployRequest, type DeployRequest, type FieldError } from '../deploy-request';
import { deploymentCost } from '../money';

/** The seed's location codes, as people call them. */
export const LOCATION_NAMES: Readonly<Record<Location, string>> = {
  nyc: 'New York',
  lon: 'London',
  ams: 'Amsterdam',
  fra: 'Frankfurt',
  tor: 'Toronto',
  sgp: 'Singapore',
  blr: 'Bangalore',
  sfo: 'San Francisco',
};

export interface LocationOption {
  code: Location;
  name: string;
  /** Price of a recorder-hour. */
  price: number;
  /** Recorders that can still be deployed there now (0: not available). */
  free: number;
}

/** `used(backend)`: the places deployments hold on a backend now; `served(backend)`: whether the fleet runs it. */
export function locationOptions(config: FleetConfig, used: (backend: string) => number, served: (backend: string) => boolean): LocationOption[] {
  return LOCATIONS.map((code) => {
    const backend = config.locations[code];
    const free = backend && served(backend) ? Math.max(0, config.localCapacity - used(backend)) : 0;
    return { code, name: LOCATION_NAMES[code], price: priceOf(config, code), free };
  });
}

export interface PricePreview {
  cost: number;
  balanceAfter: number;
  affordable: boolean;
  /** e.g. "2 recorders × 3 h × 1.50 = 9.00" */
  formula: string;
}

export function money(n: number): string {
  return n.toFixed(2);
}

export function pricePreview(recorders: number, hours: number, price: number, balance: number): PricePreview {
  const cost = deploymentCost(recorders, hours, price);
  const balanceAfter = Math.round((balance - cost) * 100) / 100;
  return {
    cost,
    balanceAfter,
    affordable: balanceAfter >= 0,
    formula: `${recorders} recorder${recorders === 1 ? '' : 's'} × ${hours} h × ${money(price)} = ${money(cost)}`,
  };
}

export type DashboardDeploy = Omit<DeployRequest, 'apiKey'>;

/**
 * The form's fields (domain, recorders, duration, location, callback_url) into a request or the errors
 * by field. `domains`: the account's domains whose configuration is complete.
 */
export function parseDeployForm(body: unknown, domains: readonly string[]): { ok: true; request: DashboardDeploy } | { ok: false; errors: FieldError[] } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const callback = typeof b.callback_url === 'string' ? b.callback_url.trim() : '';
  // Without a callback URL the API's parser gets a stand-in that passes its check and is dropped after.
  const parsed = parseDeployRequest({ ...b, apiKey: 'dashboard', callback_url: callback || 'https://callback.invalid/' });
  const errors = parsed.ok ? [] : [...parsed.errors];
  const domain = typeof b.domain === 'string' ? b.domain.trim().toLowerCase() : '';
  if (domain && !errors.some((e) => e.field === 'domain') && !domains.includes(domain)) errors.push({ field: 'domain', message: 'is not one of your domains with a complete configuration' });
  if (!parsed.ok || errors.length) return { ok: false, errors };
  const { apiKey: _key, ...request } = parsed.request;
  return { ok: true, request: { ...request, domain, callbackUrl: callback } };
}
