/**
 * XMPP_TRUST_ALL_CERTS for @xmpp/client. Its STARTTLS step upgrades the socket with node's tls.connect
 * and passes only the host, so there is no option to accept a self-signed server certificate (which
 * docker-jitsi-meet's Prosody has). This wraps tls.connect once, narrowly: only an upgrade of an
 * existing socket (STARTTLS) to one of the XMPP domains listed here skips certificate checks. Every
 * other TLS connection of the process (webhooks, HTTPS) is untouched.
 */
import tls from 'node:tls';

const trustedDomains = new Set<string>();
let installed = false;

export function trustAllCertsFor(domain: string): void {
  trustedDomains.add(domain.toLowerCase());
  if (installed) return;
  installed = true;
  const original = tls.connect.bind(tls) as (...args: unknown[]) => tls.TLSSocket;
  (tls as { connect: unknown }).connect = (...args: unknown[]): tls.TLSSocket => {
    const [options] = args;
    if (options && typeof options === 'object' && 'socket' in options) {
      const o = options as tls.ConnectionOptions;
      if (o.socket && o.host && trustedDomains.has(o.host.toLowerCase()) && o.rejectUnauthorized === undefined) {
        return original({ ...o, rejectUnauthorized: false }, ...args.slice(1));
      }
    }
    return original(...args);
  };
}
