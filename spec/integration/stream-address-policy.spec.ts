/**
 * JIBRI_STREAMING_PUBLIC_ONLY on a real ingest (nginx-rtmp on loopback): with the policy, an ingest on
 * loopback (by address, name or numeric spelling) is refused before any connection, unless the operator
 * allowed that host and port; without it, anything goes (as Jibri). The fleet turns it on for every recorder.
 */
import { parseAllowedHosts } from '@jibri-ts/common';
import { publishRtmp } from '@jibri-ts/rtmp';
import { publicIngestAddress } from '../../lib/output/rtmp/ingest-address';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';

describe('RTMP destinations and the address policy', () => {
  let rtmp: RtmpServer;
  beforeAll(async () => {
    rtmp = await startRtmpServer();
  });
  afterAll(async () => {
    await rtmp?.stop();
  });

  it('refuses ingests on loopback, private and link-local addresses, and connects to the allowed one only', async () => {
    const port = Number(new URL(rtmp.appUrl()).port);
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '[::ffff:127.0.0.1]', '10.1.2.3', '169.254.169.254']) {
      const err = await publishRtmp({ url: `rtmp://${host}:${port}/live/refused-${host.replace(/\W/g, '')}`, timeoutMs: 5000, resolveAddress: publicIngestAddress([]) }).then(() => undefined, (e: unknown) => e);
      expect({ host, kind: (err as { kind?: string })?.kind, message: (err as Error)?.message }).toEqual({ host, kind: 'refused', message: expect.stringMatching(/is not on a public address.*JIBRI_STREAMING_PUBLIC_ONLY/) });
    }
    expect(rtmp.publishes().filter((k) => k.startsWith('refused'))).toEqual([]);
    const allowed = parseAllowedHosts(`127.0.0.1:${port}`) as { ok: true; hosts: never[] };
    const ok = await publishRtmp({ url: `${rtmp.appUrl()}/allowed-key`, timeoutMs: 5000, resolveAddress: publicIngestAddress(allowed.hosts) });
    await ok.close();
    expect(rtmp.publishes()).toContain('allowed-key');
    // Without the policy, as Jibri: the recorder's operator decides.
    const open = await publishRtmp({ url: `${rtmp.appUrl()}/open-key`, timeoutMs: 5000 });
    await open.close();
    expect(rtmp.publishes()).toContain('open-key');
  });
});
