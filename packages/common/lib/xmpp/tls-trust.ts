/**
 * XMPP_TRUST_ALL_CERTS for @xmpp/client. Its STARTTLS step upgrades the socket with node's tls.connect
 * and passes only the host, so there is no option to accept a self-signed server certificate (which
 * docker-jitsi-meet's Prosody has). This wraps tls.connect once, narrowly: only the upgrade of an
 * existing socket (STARTTLS) is touched, every other TLS connection of the process (webhooks, HTTPS)
 * is not.
 *
 * Two scopes. The recorder serves one deployment, so it trusts by XMPP domain (trustAllCertsFor). The
 * fleet connects for many customers who may all name their domain auth.meet.jitsi, so it decides per
 * socket (setSocketTrust): one customer's "trust all" never loosens another's verification, and a
 * socket with a decision is never loosened by a domain-wide trust either.
 */
import tls from 'node:tls';

const trustedDomains = new Set<string>();
const socketTrust = new WeakMap<object, boolean>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const original = tls.connect.bind(tls) as (...args: unknown[]) => tls.TLSSocket;
  (tls as { connect: unknown }).connect = (...args: unknown[]): tls.TLSSocket => {
    const [options] = args;
    if (options && typeof options === 'object' && 'socket' in options) {
      const o = options as tls.ConnectionOptions;
      if (o.socket && socketTrust.has(o.socket)) {
        // Explicit either way, so that no other wrapper of tls.connect decides for this socket.
        return original({ ...o, rejectUnauthorized: o.rejectUnauthorized ?? !socketTrust.get(o.socket) }, ...args.slice(1));
      }
      if (o.socket && o.host && trustedDomains.has(o.host.toLowerCase()) && o.rejectUnauthorized === undefined) {
        return original({ ...o, rejectUnauthorized: false }, ...args.slice(1));
      }
    }
    return original(...args);
  };
}

/** The recorder: STARTTLS to this XMPP domain accepts any certificate. */
export function trustAllCertsFor(domain: string): void {
  trustedDomains.add(domain.toLowerCase());
  install();
}

/** The fleet: STARTTLS on this socket verifies the certificate unless `trustAll`. */
export function setSocketTrust(socket: object, trustAll: boolean): void {
  socketTrust.set(socket, trustAll);
  install();
}
