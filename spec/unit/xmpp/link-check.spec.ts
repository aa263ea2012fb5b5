import { serverLinkCheck } from '../../../lib/xmpp/xmpp-edge';

describe('an XMPP server in health', () => {
  const now = 1_000_000;
  it('is HEALTHY while every connection is in the brewery, or within the grace', () => {
    expect(serverLinkCheck('xmpp:5222', [{ offlineSince: undefined, lastProblem: undefined }], 60, now).healthStatus).toBe('HEALTHY');
    expect(serverLinkCheck('xmpp:5222', [{ offlineSince: now - 59000, lastProblem: 'cannot reach' }], 60, now)).toEqual({ healthStatus: 'HEALTHY', detail: 'connecting to xmpp:5222' });
  });

  it('is UNHEALTHY past the grace, with what went wrong and for how long', () => {
    const r = serverLinkCheck('xmpp:5222', [
      { offlineSince: undefined, lastProblem: undefined },
      { offlineSince: now - 61000, lastProblem: 'cannot reach xmpp:5222 (ECONNREFUSED): check XMPP_SERVER and XMPP_PORT, and that the XMPP server runs' },
    ], 60, now);
    expect(r.healthStatus).toBe('UNHEALTHY');
    expect(r.detail).toMatch(/not in the brewery on xmpp:5222 for 61 s.*ECONNREFUSED.*XMPP_SERVER/);
  });
});
