/**
 * The only wiring: builds every part from a Config and returns a running service. No work happens at
 * import time, so specs and the benchmark compose a service in-process exactly as main does.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { createApp } from './http/app';
import { registerSecret, type Logger } from './log';
import { finalizeLeftovers } from './recorder/leftovers';
import { Recorder, type RecorderOptions } from './recorder/recorder';
import { XmppEdge } from './xmpp/xmpp-edge';

export interface Service {
  recorder: Recorder;
  /** The bound HTTP address (the port is the real one when the config asked for 0). */
  http: { host: string; port: number; url: string };
  /** The XMPP edge, when XMPP_SERVER is set. */
  xmpp?: XmppEdge;
  /** Settles once recordings left by an earlier, crashed run are finalized. */
  leftovers: Promise<string[]>;
  /** Stops every session, finalizes, closes the HTTP server. */
  stop(): Promise<void>;
}

export interface ComposeOptions {
  healthChecks?: RecorderOptions['healthChecks'];
}

export async function compose(config: Config, log: Logger, opts: ComposeOptions = {}): Promise<Service> {
  for (const s of [config.http.token, config.recorderLogin?.password, config.xmpp?.password]) registerSecret(s);
  const recorder = new Recorder({ config, log, ...(opts.healthChecks ? { healthChecks: opts.healthChecks } : {}) });
  await recorder.init();

  const app = createApp({ config, recorder, log });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.http.port, config.http.host, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`The HTTP API cannot listen on ${config.http.host}:${config.http.port} (${err.code ?? err.message}): set JIBRI_HTTP_API_EXTERNAL_PORT to a free port`)),
    );
  });
  const { port } = server.address() as AddressInfo;
  const host = config.http.host;
  log.info(`HTTP API listening on http://${host}:${port}/jibri/api/v1.0`, { component: 'http' });

  const xmpp = config.xmpp ? new XmppEdge({ config, xmpp: config.xmpp, recorder, log }) : undefined;
  xmpp?.start();
  if (!xmpp) log.info('XMPP_SERVER is not set: HTTP API only', { component: 'xmpp' });

  const leftovers = finalizeLeftovers(config, log).catch((err: unknown) => {
    log.error(`finalizing leftover recordings failed: ${String(err)}`, { component: 'leftovers' });
    return [] as string[];
  });

  let stopped: Promise<void> | undefined;
  return {
    recorder,
    ...(xmpp ? { xmpp } : {}),
    http: { host, port, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` },
    leftovers,
    stop: () =>
      (stopped ??= (async () => {
        await leftovers;
        await recorder.shutdown();
        await xmpp?.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
      })()),
  };
}
