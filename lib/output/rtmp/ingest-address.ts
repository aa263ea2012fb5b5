/**
 * JIBRI_STREAMING_PUBLIC_ONLY for the RTMP publisher: the ingest's host is resolved once, every address
 * checked with @jibri-ts/common's rules (the fleet's outbound guard's), and the publisher connects to the
 * checked address; a refusal is a PublishError the destination reports as it reports any refused ingest.
 */
import { OutboundRefused, OutboundUnresolved, resolveChecked, type AllowedHost } from '@jibri-ts/common';
import { PublishError } from '@jibri-ts/rtmp';

export function publicIngestAddress(allowed: readonly AllowedHost[]): (host: string, port: number) => Promise<string> {
  return async (host, port) => {
    try {
      return (await resolveChecked('the stream URL', host, port, allowed)).address;
    } catch (err) {
      if (err instanceof OutboundRefused) throw new PublishError('refused', `the ingest ${host} is not on a public address, and this recorder streams only to public ones (JIBRI_STREAMING_PUBLIC_ONLY)`);
      if (err instanceof OutboundUnresolved) throw new PublishError('unreachable', `the ingest's host ${host} has no address`);
      throw err;
    }
  };
}
