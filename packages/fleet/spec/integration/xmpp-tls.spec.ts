/**
 * The fleet's XMPP connections to a customer's server (the test login, the brewery watch) on a real
 * Prosody that requires STARTTLS with a self-signed certificate, as docker-jitsi-meet's does: the
 * certificate is verified unless that domain's own configuration says XMPP_TRUST_ALL_CERTS=true, one
 * customer's choice never loosens another's, and a server that resolves to loopback is refused unless
 * the operator allowed it (JIBRI_FLEET_XMPP_ALLOWED_HOSTS).
 *
 * @lane serial: a fleet on the host (its local recorders' uids, the Docker engine and Swarm are the host's)
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { loadFleetConfig } from '../../lib/config';
import { startFleetServer, type FleetServer } from '../../lib/server';
import { createLogger } from '../../../../lib/log';
import { DOMAINS, fleetDomainConfig, startProsody, type ProsodyHandle } from '../../../../testkit/prosody';
import { tempDir } from '../../../../testkit/service';
import { fleetRecorderEnv } from '../../../../testkit/fleet-recorder';

const PW = 'tls-jibri-pw';

describe("the fleet's XMPP connections to customers' servers", () => {
  let prosody: ProsodyHandle;
  let fleet: FleetServer;

  beforeAll(async () => {
    prosody = await startProsody({ tls: true });
    prosody.register('jibri', DOMAINS.auth, PW);
    fleet = await startFleetServer(
      loadFleetConfig({
        JIBRI_FLEET_PORT: '0',
        JIBRI_FLEET_DATA_DIR: path.join(tempDir('jibri-ts-fleet-tls-'), 'data'),
        ...fleetRecorderEnv(),
        JIBRI_FLEET_CALLBACK_SECRET: 'tls-callback',
        JIBRI_FLEET_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
        JIBRI_FLEET_LOCATIONS: 'lon=local',
        // No recorder is deployed here.
        JIBRI_FLEET_LOCAL_UIDS: 'off',
        JIBRI_FLEET_ALLOW_RECORDERS_TO_READ_FLEET_SECRETS: 'true',
        JIBRI_FLEET_XMPP_ALLOWED_HOSTS: `127.0.0.1:${prosody.port}`,
      }),
      createLogger('error', { silent: !process.env.TEST_LOG_LEVEL }),
    );
  });

  afterAll(async () => {
    await fleet?.stop();
    await prosody?.stop();
  });

  const config = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...fleetDomainConfig({ prosodyPort: prosody.port, jibriPassword: PW, recorderPassword: 'unused', publicUrl: 'https://meet.test' }),
    ...extra,
  });

  it("verifies the server's certificate unless the domain's own configuration trusts it; one domain's trust is not another's", async () => {
    const trusting = fleet.admin.createAccount('trusting');
    expect(await fleet.admin.setDomain(trusting.accountId, 'meet.test', config({ XMPP_TRUST_ALL_CERTS: 'true' }))).toMatchObject({ complete: true, verified: true });
    // Same server, same XMPP domain, another customer who did not opt out of verification.
    const careful = fleet.admin.createAccount('careful');
    const r = await fleet.admin.setDomain(careful.accountId, 'meet.test', config());
    expect(r).toMatchObject({ complete: false, verified: false });
    expect(r.error).toMatch(/certificate/i);
    expect(r.error).toMatch(/XMPP_TRUST_ALL_CERTS/);
    expect(JSON.stringify(r)).not.toContain(PW);
    // And again after the careful one: the trusting domain still works, the careful one still fails.
    expect(await fleet.admin.setDomain(trusting.accountId, 'meet.test', config({ XMPP_TRUST_ALL_CERTS: 'true' }))).toMatchObject({ verified: true });
    expect(await fleet.admin.setDomain(careful.accountId, 'meet.test', config({ XMPP_TRUST_ALL_CERTS: 'false' }))).toMatchObject({ verified: false });
  });

  // The operator allowed 127.0.0.1:<Prosody's port>; the numeric spellings of 127.0.0.1 are that same
  // address, so they are tried on the next port, which nobody allowed.
  it.each([['localhost', 0], ['[::1]', 0], ['2130706433', 1], ['127.1', 1], ['0x7f.0.0.1', 1]])('refuses an XMPP server at %s (loopback, not allowed by the operator)', async (host, offset) => {
    const a = fleet.admin.createAccount(`ssrf ${host}`);
    const r = await fleet.admin.setDomain(a.accountId, 'meet.test', config({ XMPP_SERVER: `${host}:${prosody.port + Number(offset)}`, XMPP_TRUST_ALL_CERTS: 'true' }));
    expect(r).toMatchObject({ complete: false, verified: false });
    // The customer learns the host is not public, not what it resolves to (the operator's log has that).
    expect(r.error).toMatch(/^XMPP_SERVER: \S+ is not a public address/);
    expect(r.error).not.toMatch(/loopback|127\.0\.0\.1 \(/);
  });
});
