/** The dashboard's deploy form: what it offers and what it takes. */
import { loadFleetConfig } from '../../../lib/config';
import { locationOptions, parseDeployForm, pricePreview } from '../../../lib/dashboard/deploy-form';

const BASE_ENV = { JIBRI_FLEET_CALLBACK_SECRET: 's', JIBRI_FLEET_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };

describe('the deploy form', () => {
  const config = loadFleetConfig({ ...BASE_ENV, JIBRI_FLEET_LOCATIONS: 'lon=local,fra=docker', JIBRI_FLEET_PRICES: 'lon=1.5', JIBRI_FLEET_PRICE: '2', JIBRI_FLEET_LOCAL_CAPACITY: '4' }, { isRoot: true });
  const good = { domain: 'meet.example.com', recorders: '2', duration: '3', location: 'lon', callback_url: '' };

  it('previews the price in cents and the balance after, and says when it is not affordable', () => {
    expect(pricePreview(2, 3, 1.5, 20)).toEqual({ cost: 9, balanceAfter: 11, affordable: true, formula: '2 recorders × 3 h × 1.50 = 9.00' });
    expect(pricePreview(1, 1, 0.1, 0.3)).toMatchObject({ cost: 0.1, balanceAfter: 0.2, affordable: true, formula: '1 recorder × 1 h × 0.10 = 0.10' });
    expect(pricePreview(3, 1, 0.7, 2)).toMatchObject({ cost: 2.1, affordable: false });
  });
  it('lists the seed\'s eight locations with their price and free places; unserved ones have none', () => {
    const opts = locationOptions(config, (b) => (b === 'local' ? 3 : 0), (b) => b === 'local');
    expect(opts.map((o) => o.code)).toEqual(['nyc', 'lon', 'ams', 'fra', 'tor', 'sgp', 'blr', 'sfo']);
    expect(opts.find((o) => o.code === 'lon')).toEqual({ code: 'lon', name: 'London', price: 1.5, free: 1 });
    expect(opts.find((o) => o.code === 'fra')).toMatchObject({ price: 2, free: 0 });
    expect(opts.find((o) => o.code === 'nyc')).toMatchObject({ free: 0 });
  });
  it('takes the callback URL as optional, and checks the rest as the developer API does', () => {
    expect(parseDeployForm(good, ['meet.example.com'])).toEqual({ ok: true, request: { domain: 'meet.example.com', recorders: 2, durationHours: 3, location: 'lon', callbackUrl: '' } });
    expect(parseDeployForm({ ...good, callback_url: 'https://hooks.example.com/x' }, ['meet.example.com'])).toMatchObject({ ok: true, request: { callbackUrl: 'https://hooks.example.com/x' } });
    const bad = parseDeployForm({ ...good, recorders: '0', duration: 'lots', location: 'mars', callback_url: 'ftp://x' }, ['meet.example.com']);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.map((e) => e.field)).toEqual(['recorders', 'duration', 'location', 'callback_url']);
  });
  it('accepts only the account\'s complete domains', () => {
    const r = parseDeployForm({ ...good, domain: 'other.example.com' }, ['meet.example.com']);
    expect(!r.ok && r.errors).toEqual([{ field: 'domain', message: 'is not one of your domains with a complete configuration' }]);
    expect(parseDeployForm({ ...good, domain: 'MEET.example.com' }, ['meet.example.com']).ok).toBe(true);
  });
});
