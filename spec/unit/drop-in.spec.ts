/** Pure pieces of the drop-in: Chromium's flags under CHROMIUM_FLAGS, the finalize command, the autoscaler's bodies. */
import { loadConfig } from '../../lib/config';
import { chromiumArgs, DEFAULT_CHROMIUM_FLAGS, requiredChromiumArgs } from '../../lib/pipeline/browser/browser';
import { finalizeCommand } from '../../lib/recorder/finalize';
import { instanceDetails, parseCommand } from '../../lib/status/autoscaler';
import { sessionCallLogin } from '../../lib/xmpp/xmpp-edge';

const geometry = { display: ':9', sinkName: 's', width: 1280, height: 720 };

describe('Chromium flags', () => {
  it("are the recorder's own list by default, with --ignore-certificate-errors when asked", () => {
    const args = chromiumArgs({ ...geometry, config: loadConfig({ IGNORE_CERTIFICATE_ERRORS: 'true' }).browser });
    expect(args).toEqual([...DEFAULT_CHROMIUM_FLAGS, '--ignore-certificate-errors', ...requiredChromiumArgs(geometry)]);
  });

  it('are replaced by CHROMIUM_FLAGS, as in docker-jitsi-meet, keeping what the recorder cannot work without', () => {
    const args = chromiumArgs({ ...geometry, config: loadConfig({ CHROMIUM_FLAGS: '--lang=de,--window-size=800,--no-sandbox', IGNORE_CERTIFICATE_ERRORS: 'true' }).browser });
    expect(args).toEqual(['--lang=de', '--window-position=0,0', '--window-size=1281,721', '--autoplay-policy=no-user-gesture-required', '--no-sandbox', '--disable-dev-shm-usage']);
    expect(args).not.toContain('--kiosk');
    expect(args).not.toContain('--ignore-certificate-errors');
  });
});

describe('the finalize script', () => {
  it('runs as it is when executable, else through sh (a read-only /config cannot be chmod-ed)', () => {
    expect(finalizeCommand('/config/finalize.sh', '/storage/recordings/s1', () => true)).toEqual({ command: '/config/finalize.sh', args: ['/storage/recordings/s1'] });
    expect(finalizeCommand('/config/finalize.sh', '/storage/recordings/s1', () => false)).toEqual({ command: '/bin/sh', args: ['/config/finalize.sh', '/storage/recordings/s1'] });
  });
});

describe('call login', () => {
  it("randomizes the user name per session as Jibri's randomize-username", () => {
    const login = { domain: 'hidden.example.com', username: 'recorder', password: 'p', randomizeUsername: true };
    const a = sessionCallLogin(login);
    const b = sessionCallLogin(login);
    expect(a.username).toMatch(/^recorder-[a-z0-9]{8}$/);
    expect(a.username).not.toBe(b.username);
    expect(a).toEqual({ domain: 'hidden.example.com', username: a.username, password: 'p' });
    expect(sessionCallLogin({ domain: 'd', username: 'u', password: 'p' })).toEqual({ domain: 'd', username: 'u', password: 'p' });
  });
});

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
