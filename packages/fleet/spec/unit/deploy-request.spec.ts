/** The seed's deploy request, as its client sends it. */
import { parseDeployRequest } from '../../lib/deploy-request';

describe('fleet: the deploy request', () => {
  const seed = { apiKey: 'JOD-3c4708cf-dc4c-4166-9cc3-ba483f6b7f6b', domain: 'meet.lindeas.com', recorders: '28', duration: '3', location: 'blr', callback_url: 'https://api.mydomain/deployed-recorder' };

  it("accepts the seed's axios body (numbers as strings) and JSON numbers", () => {
    expect(parseDeployRequest(seed)).toEqual({ ok: true, request: { apiKey: seed.apiKey, domain: 'meet.lindeas.com', recorders: 28, durationHours: 3, location: 'blr', callbackUrl: seed.callback_url } });
    expect(parseDeployRequest({ ...seed, recorders: 2, duration: 1 })).toMatchObject({ ok: true, request: { recorders: 2, durationHours: 1 } });
  });

  it.each([
    ['recorders', 'abc'], ['recorders', '0'], ['recorders', '101'], ['recorders', '1.5'], ['duration', '-1'], ['duration', ''],
    ['location', 'mars'], ['callback_url', 'not a url'], ['callback_url', 'file:///etc/passwd'], ['domain', 'not a domain!'],
  ])('names %s for %j', (field, value) => {
    const r = parseDeployRequest({ ...seed, [field]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.field).toBe(field);
  });

  it('tells a missing key apart', () => {
    const { apiKey: _k, ...rest } = seed;
    expect(parseDeployRequest(rest)).toMatchObject({ ok: false, missingKey: true });
    expect(parseDeployRequest(undefined)).toMatchObject({ ok: false, missingKey: true });
  });
});
