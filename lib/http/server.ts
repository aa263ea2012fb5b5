/**
 * The HTTP servers of the recorder (the API and the internal API), with timeouts far shorter than
 * Node's defaults: a client gets 10 s to send its headers and 20 s for its whole request (bodies are at
 * most 64 KB), and an idle keep-alive connection is closed after 4 s. A slow or silent client therefore
 * holds a connection for seconds, not minutes. Answers may take long (stopService waits for the file
 * to close, the event stream never ends): these limits bound only what the client sends.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const HEADERS_TIMEOUT_MS = 10000;
export const REQUEST_TIMEOUT_MS = 20000;
export const KEEP_ALIVE_TIMEOUT_MS = 4000;
/** How often Node looks for requests past those timeouts (its default, 30 s, would stretch them). */
const CHECK_INTERVAL_MS = 1000;

export function createServer(handler: http.RequestListener): http.Server {
  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CHECK_INTERVAL_MS }, handler);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

/** Listens on host:port; a failure names the variable that sets the port. */
export function listen(handler: http.RequestListener, host: string, port: number, variable: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port} (${err.code ?? err.message}): set ${variable} to a free port`)));
    server.listen(port, host, () => resolve(server));
  });
}

export function boundPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
