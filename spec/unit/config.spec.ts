import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, environmentWithDotEnv, loadConfig, parseDotEnv, parseXmppServers } from '../../lib/config';

describe('configuration', () => {
  it("has docker-jitsi-meet's defaults", () => {
    const c = loadConfig({}, 'host-a');
    expect(c.http).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(c.encoding).toEqual({ width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioDelayMs: 10 });
    expect(c.browser.chromiumPath).toBe('/usr/bin/chromium');
    expect(c.recording.dir).toBe('/config/recordings');
    expect(c.instanceId).toBe('host-a');
    expect(c.recorderLogin).toBeUndefined();
    expect(c.xmpp).toBeUndefined();
    expect(Object.isFrozen(c) && Object.isFrozen(c.encoding)).toBe(true);
  });

  it.each([
    ['JIBRI_HTTP_API_EXTERNAL_PORT', '70000', /JIBRI_HTTP_API_EXTERNAL_PORT.*whole number from 0 to 65535/],
    ['JIBRI_HTTP_API_EXTERNAL_PORT', 'abc', /JIBRI_HTTP_API_EXTERNAL_PORT/],
    ['JIBRI_RECORDING_RESOLUTION', '1281x720', /JIBRI_RECORDING_RESOLUTION.*WIDTHxHEIGHT/],
    ['JIBRI_RECORDING_RESOLUTION', 'abc', /JIBRI_RECORDING_RESOLUTION/],
    ['JIBRI_RECORDING_CONSTANT_RATE_FACTOR', '99', /JIBRI_RECORDING_CONSTANT_RATE_FACTOR.*0 to 51/],
    ['JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING', 'turbo', /one of ultrafast/],
    ['IGNORE_CERTIFICATE_ERRORS', 'maybe', /IGNORE_CERTIFICATE_ERRORS.*true or false/],
    ['XMPP_SERVER', 'bad host!', /XMPP_SERVER.*host:port/],
    ['JIBRI_CONCURRENT_SESSIONS', 'many', /JIBRI_CONCURRENT_SESSIONS.*1 to 64, or auto/],
    ['JIBRI_CONCURRENT_SESSIONS', '0', /JIBRI_CONCURRENT_SESSIONS/],
    ['JIBRI_SESSION_CPU_ESTIMATE', '-1', /JIBRI_SESSION_CPU_ESTIMATE.*number from 0.05/],
    ['JIBRI_SINGLE_USE_MODE', 'sometimes', /JIBRI_SINGLE_USE_MODE.*true or false/],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value, JIBRI_XMPP_PASSWORD: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value, JIBRI_XMPP_PASSWORD: 'x' })).toThrow(message);
  });

  it('treats an empty value as unset, as docker-jitsi-meet templates do', () => {
    expect(loadConfig({ JIBRI_HTTP_API_EXTERNAL_PORT: '', JIBRI_RECORDER_PASSWORD: ' ' }).http.port).toBe(2222);
  });

  it('builds the recorder login from JIBRI_RECORDER_* at the hidden domain, honouring XMPP_RECORDER_DOMAIN', () => {
    expect(loadConfig({ JIBRI_RECORDER_PASSWORD: 'pw' }).recorderLogin).toEqual({ domain: 'hidden.meet.jitsi', username: 'recorder', password: 'pw' });
    expect(loadConfig({ JIBRI_RECORDER_PASSWORD: 'pw', XMPP_RECORDER_DOMAIN: 'recorder.meet.jitsi' }).recorderLogin?.domain).toBe('recorder.meet.jitsi');
    expect(loadConfig({ JIBRI_RECORDER_PASSWORD: 'pw', XMPP_RECORDER_DOMAIN: 'old', XMPP_HIDDEN_DOMAIN: 'new' }).recorderLogin?.domain).toBe('new');
  });

  it('reads the XMPP side with docker-jitsi-meet names', () => {
    const c = loadConfig({ XMPP_SERVER: 'xmpp.meet.jitsi, other:6222', JIBRI_XMPP_PASSWORD: 'pw', JIBRI_INSTANCE_ID: 'rec-1', PUBLIC_URL: 'https://meet.example.com/' });
    expect(c.xmpp).toEqual(
      expect.objectContaining({
        servers: [
          { host: 'xmpp.meet.jitsi', port: 5222, id: 'xmpp.meet.jitsi' },
          { host: 'other', port: 6222, id: 'other:6222' },
        ],
        authDomain: 'auth.meet.jitsi',
        username: 'jibri',
        breweryJid: 'jibribrewery@internal-muc.meet.jitsi',
        nickname: 'rec-1',
        xmppDomain: 'meet.jitsi',
        stripFromRoomDomain: 'muc.',
        publicUrl: 'https://meet.example.com',
        trustAllCerts: true,
      }),
    );
    expect(() => loadConfig({ XMPP_SERVER: 'x' })).toThrow(/JIBRI_XMPP_PASSWORD/);
  });

  it('reads slots, admission estimates and the lifecycle', () => {
    const d = loadConfig({});
    expect(d.capacity).toEqual({ slots: 1, sessionCpuCores: 0.6, sessionMemoryBytes: 450 * 1024 * 1024, cpuTarget: 0.9 });
    expect(d.lifecycle).toEqual({ internalHost: '127.0.0.1', internalPort: 3333, singleUse: false });
    const c = loadConfig({ JIBRI_CONCURRENT_SESSIONS: 'AUTO', JIBRI_SESSION_CPU_ESTIMATE: '1.5', JIBRI_CPU_TARGET: '75', JIBRI_SINGLE_USE_MODE: 'true', JIBRI_HTTP_API_INTERNAL_PORT: '4444' });
    expect(c.capacity).toMatchObject({ slots: 'auto', sessionCpuCores: 1.5, cpuTarget: 0.75 });
    expect(c.lifecycle).toMatchObject({ internalPort: 4444, singleUse: true });
    expect(loadConfig({ JIBRI_CONCURRENT_SESSIONS: '3' }).capacity.slots).toBe(3);
  });

  it('parses server lists', () => {
    expect(parseXmppServers('[::1]:5223', 5222)).toEqual([{ host: '::1', port: 5223, id: '[::1]:5223' }]);
    expect(typeof parseXmppServers('a:99999', 5222)).toBe('string');
  });

  it('parses .env files; the real environment wins', () => {
    expect(parseDotEnv('# c\nA=1\nexport B="two words"\nC=\'x#y\'\nD=3 # note\n')).toEqual({ A: '1', B: 'two words', C: 'x#y', D: '3' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'env-')), '.env');
    fs.writeFileSync(file, 'JIBRI_RECORDING_FRAMERATE=25\nJIBRI_RECORDING_CONSTANT_RATE_FACTOR=30\n');
    const env = environmentWithDotEnv({ JIBRI_RECORDING_FRAMERATE: '15' }, file);
    expect(loadConfig(env).encoding).toEqual(expect.objectContaining({ framerate: 15, crf: 30 }));
  });
});
