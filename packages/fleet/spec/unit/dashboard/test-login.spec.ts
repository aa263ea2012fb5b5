/** The domain test login's reasons, in a Jitsi admin's words. */
import { explainTestLogin } from '../../../lib/dashboard/test-login';

describe("the test login's reasons, in a Jitsi admin's words", () => {
  const c = { XMPP_SERVER: 'xmpp.example.com:5222', JIBRI_XMPP_USER: 'jibri', XMPP_AUTH_DOMAIN: 'auth.meet.example.com', JIBRI_BREWERY_MUC: 'jibribrewery', XMPP_INTERNAL_MUC_DOMAIN: 'internal-muc.meet.example.com' };
  it.each([
    ['cannot log in to 1.2.3.4:5222 as jibri@auth.meet.example.com: not-authorized', /refused the login jibri@auth\.meet\.example\.com/, /prosodyctl register jibri auth\.meet\.example\.com/],
    ['cannot log in to x: self-signed certificate; the server\'s certificate for auth is not trusted', /certificate/, /XMPP_TRUST_ALL_CERTS/],
    ['the brewery jibribrewery@internal-muc.meet.example.com refused the join (forbidden)', /jibribrewery@internal-muc\.meet\.example\.com refused/, /JIBRI_BREWERY_MUC/],
    ['XMPP_SERVER: 10.0.0.5 is 10.0.0.5 (private), which the fleet never connects to for a customer; use a public address', /private or local/, /public name/],
    ['XMPP_SERVER: cannot resolve xmpp.example.com (ENOTFOUND)', /does not resolve/, /DNS/],
    ['cannot log in to 1.2.3.4:5222 as jibri@auth: connect ECONNREFUSED 1.2.3.4:5222', /Nothing accepts connections at xmpp\.example\.com:5222/, /5222/],
    ['no answer from 1.2.3.4:5222 within 15000 ms', /did not answer in time/, /firewall/],
  ])('%s', (message, reason, fix) => {
    const e = explainTestLogin(message, c);
    expect(e.reason).toMatch(reason);
    expect(e.fix).toMatch(fix);
  });
});
