/**
 * Pure: why a domain's test login failed, in the words of the person who runs that Jitsi: which of
 * their settings to look at and what to do on their Prosody. The fleet's own message stays beside it
 * for the details.
 */
import type { DomainConfig } from '../domain-config';

export interface TestLoginExplanation {
  /** One sentence: what went wrong. */
  reason: string;
  /** What to change or check, naming docker-jitsi-meet's variables and Prosody's commands. */
  fix: string;
}

export function explainTestLogin(message: string, c: DomainConfig): TestLoginExplanation {
  const server = c.XMPP_SERVER ?? 'XMPP_SERVER';
  const login = `${c.JIBRI_XMPP_USER ?? 'JIBRI_XMPP_USER'}@${c.XMPP_AUTH_DOMAIN ?? 'XMPP_AUTH_DOMAIN'}`;
  const brewery = `${c.JIBRI_BREWERY_MUC ?? 'JIBRI_BREWERY_MUC'}@${c.XMPP_INTERNAL_MUC_DOMAIN ?? 'XMPP_INTERNAL_MUC_DOMAIN'}`;
  const m = message;
  if (/not-authorized|authentication failed|SASL|auth.*fail/i.test(m)) {
    return {
      reason: `Prosody refused the login ${login}: the user name or password is wrong.`,
      fix: `Check JIBRI_XMPP_USER and JIBRI_XMPP_PASSWORD against your .env, and that the user exists on XMPP_AUTH_DOMAIN (prosodyctl register ${c.JIBRI_XMPP_USER ?? 'jibri'} ${c.XMPP_AUTH_DOMAIN ?? 'auth.meet.example.com'} <password>).`,
    };
  }
  if (/certificate|CERT_|SELF_SIGNED|ALTNAME/i.test(m)) {
    return {
      reason: `The TLS certificate of ${server} is not trusted for ${c.XMPP_AUTH_DOMAIN ?? 'XMPP_AUTH_DOMAIN'}.`,
      fix: 'Give Prosody a certificate a public CA signed (for example with Let\'s Encrypt), or set XMPP_TRUST_ALL_CERTS to true for docker-jitsi-meet\'s self-signed one.',
    };
  }
  if (/refused the join|registration-required|not-allowed|forbidden|item-not-found/i.test(m)) {
    return {
      reason: `The login worked, but the brewery room ${brewery} refused to let the recorder account in.`,
      fix: 'Check JIBRI_BREWERY_MUC and XMPP_INTERNAL_MUC_DOMAIN (docker-jitsi-meet: jibribrewery on internal-muc.<your domain>), and that the jibri user may join it (it is an admin of the internal MUC component).',
    };
  }
  if (/never connects to/i.test(m)) {
    return {
      reason: `${server} is a private or local address, which the service never connects to for a customer.`,
      fix: 'Set XMPP_SERVER to the public name or address of your Prosody (port 5222 reachable from the internet).',
    };
  }
  if (/ENOTFOUND|EAI_AGAIN|cannot resolve|has no address/i.test(m)) {
    return { reason: `The name in XMPP_SERVER (${server}) does not resolve in DNS.`, fix: 'Check the spelling of XMPP_SERVER, or add the DNS record for your Prosody.' };
  }
  if (/ECONNREFUSED/i.test(m)) {
    return { reason: `Nothing accepts connections at ${server}.`, fix: 'Is Prosody running, and is its client port (5222, or the one in XMPP_SERVER) open to the internet? docker-jitsi-meet publishes it only if you map it.' };
  }
  if (/no answer|timed? ?out|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(m)) {
    return { reason: `${server} did not answer in time.`, fix: 'A firewall may drop the connection: open Prosody\'s client port (5222) to the internet.' };
  }
  if (/XMPP_SERVER/.test(m)) return { reason: 'XMPP_SERVER is not a valid server list.', fix: 'Write it as host or host:port, several separated by commas.' };
  return { reason: 'The test login failed.', fix: 'See the details below, fix the configuration and run the test again.' };
}
