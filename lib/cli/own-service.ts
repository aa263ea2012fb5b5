/**
 * A GET to the service on this host over HTTPS (`jibri-ts status`, the image's health check), trusting
 * exactly the certificate the service serves, read from its JIBRI_HTTP_API_TLS_CERT_FILE. That certificate
 * names the recorder for whoever issued it (the fleet's CA), not this address, and no CA on this host
 * vouches for it; so the check is the certificate itself, and the request (with the token) is written only
 * after the server showed it. Node built-ins only: the health check runs every 30 s.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as tls from 'node:tls';

export interface OwnAnswer {
  status: number;
  body: string;
}

/** An answer is the health body, a few kilobytes; more is not the service's. */
const MAX_BODY = 1 << 20;

/** Pure: whether the server's certificate is the service's own (the first certificate of its PEM file). */
export function isOwnCertificate(peer: crypto.X509Certificate | undefined, ownPem: string): boolean {
  return peer !== undefined && peer.fingerprint256 === new crypto.X509Certificate(ownPem).fingerprint256;
}

/** The error a call gets when it runs out of time, named as fetch names its own. */
function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${Math.round(ms / 1000)} s`), { name: 'TimeoutError' });
}

export function pinnedGet(url: URL, ownCertPem: string, headers: Record<string, string>, timeoutMs: number): Promise<OwnAnswer> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // The chain is not verified by a CA (there is none here to trust); the certificate is compared below.
    const socket = tls.connect({ host, port: Number(url.port), rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(timeoutError(timeoutMs)), timeoutMs);
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      if (!isOwnCertificate(socket.getPeerX509Certificate(), ownCertPem)) {
        fail(Object.assign(new Error('the server on this address does not serve the certificate of JIBRI_HTTP_API_TLS_CERT_FILE'), { code: 'NOT_THIS_SERVICE' }));
        return;
      }
      const req = http.request({ createConnection: () => socket, host, port: url.port, path: url.pathname, method: 'GET', headers }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_BODY) fail(new Error('the answer is larger than 1 MB'));
          else chunks.push(d);
        });
        res.once('end', () => {
          clearTimeout(timer);
          socket.end();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        });
        res.once('error', fail);
      });
      req.once('error', fail);
      req.end();
    });
  });
}
