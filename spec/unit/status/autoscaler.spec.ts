/** The autoscaler sidecar's bodies, as docker-jitsi-meet's sidecar sends and reads them (pure). */
import { loadConfig } from '../../../lib/config';
import { instanceDetails, parseCommand } from '../../../lib/status/autoscaler';

describe('the autoscaler sidecar bodies', () => {
  it("describe the instance as docker-jitsi-meet's INSTANCE_METADATA does", () => {
    const c = loadConfig({ AUTOSCALER_URL: 'http://a', XMPP_ENV_NAME: 'prod', LOCAL_ADDRESS: '10.0.0.5', AUTOSCALER_SIDECAR_HOST_ID: 'h', JIBRI_VERSION: '8.0' }, 'h', { realpath: (f) => f, newInstanceId: () => 'jibri-1700000000123456789' });
    expect(instanceDetails(c.autoscaler!, 'jibri-1')).toEqual({ instanceId: 'jibri-1700000000123456789', instanceType: 'jibri', environment: 'prod', region: 'docker', group: 'docker-jibri', name: 'jibri-1', version: '8.0', privateIp: '10.0.0.5', hostId: 'h' });
  });

  it('read only a real shutdown or reconfigure from the answer', () => {
    expect(parseCommand({ shutdown: true, reconfigure: '' })).toEqual({ shutdown: true, reconfigure: '' });
    expect(parseCommand({ shutdown: 'yes', reconfigure: 5 })).toEqual({ shutdown: false, reconfigure: '' });
    expect(parseCommand(undefined)).toEqual({ shutdown: false, reconfigure: '' });
    expect(parseCommand({ reconfigure: '2025-01-01' })).toEqual({ shutdown: false, reconfigure: '2025-01-01' });
  });
});
