/**
 * xmpp.js follows a server's `see-other-host` stream error to whatever host it names, which lets an XMPP
 * server send its client's next connection (stream header, then login) to any address, loopback
 * included. Jibri does not follow it, and neither do we: the client only ever connects to the service it
 * was given. The fleet also pins the connection to the address it checked (`lookup`).
 */
import type { Client } from '@xmpp/client';

/** A net.connect `lookup`; its exact shape is net's business, this module only passes it on. */
type Lookup = (...args: never[]) => void;

export function stayOnService(xmpp: Client, service: string, lookup?: Lookup): void {
  const entity = xmpp as unknown as { socketParameters(service: string): Record<string, unknown> | undefined };
  const parameters = entity.socketParameters.bind(xmpp);
  entity.socketParameters = (asked: string) => {
    if (asked !== service) throw new Error(`the XMPP server sent this client to ${asked} (see-other-host), which it does not follow`);
    return { ...parameters(asked), ...(lookup ? { lookup } : {}) };
  };
}
