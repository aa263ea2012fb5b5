/**
 * The HTTP servers of the recorder (the API and the internal API), with timeouts far shorter than
 * Node's defaults: a client gets 10 s to send its headers and 20 s for its whole request (bodies are at
 * most 64 KB), and an idle keep-alive connection is closed after 4 s. A slow or silent client therefore
 * holds a connection for seconds, not minutes. Answers may take long (stopService waits for the file
 * to close, the event stream never ends): these limits bound only what the client sends.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** PEM certificate (chain) and key: the servers speak TLS only (JIBRI_HTTP_API_TLS_CERT_FILE / _KEY_FILE). */
export interface ServerTls {
  cert: string;
  key: string;
}

export const HEADERS_TIMEOUT_MS = 10000;
export const REQUEST_TIMEOUT_MS = 20000;
export const KEEP_ALIVE_TIMEOUT_MS = 4000;
/** How often Node looks for requests past those timeouts (its default, 30 s, would stretch them). */
const CHECK_INTERVAL_MS = 1000;

export function createServer(handler: http.RequestListener, tls?: ServerTls): http.Server {
  const options = { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CHECK_INTERVAL_MS };
  const server = tls ? https.createServer({ ...options, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) : http.createServer(options, handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/**
 * Pure: the address to bind. A single host is bound as it is. A comma-separated list (the fleet's swarm
 * recorders get the addresses of every node that may run them) binds the first entry that is an address
 * of this host, so a recorder listens on its node's own address and not on every interface.
 */
export function bindAddress(host: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  const candidates = host.split(',').map((h) => h.trim().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  if (candidates.length <= 1) return candidates[0] ?? host;
  const own = new Set(Object.values(interfaces).flatMap((list) => (list ?? []).map((i) => i.address)));
  return candidates.find((c) => own.has(c));
}

/** Listens on host:port; a failure names the variable that sets the port. */
export function listen(handler: http.RequestListener, host: string, port: number, variable: string, tls?: ServerTls): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler, tls);
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port} (${err.code ?? err.message}): set ${variable} to a free port`)));
    server.listen(port, host, () => resolve(server));
  });
}

export function boundPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
