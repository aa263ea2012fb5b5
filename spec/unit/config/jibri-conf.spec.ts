/** Jibri's jibri.conf (HOCON) as a Debian user writes it, read through the real parser from temp files. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadServiceConfig, settingValue } from '../../../lib/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-conf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const ENV_A = `{
  name = "prod"
  xmpp-server-hosts = ["xmpp1.example.com", "xmpp2.example.com:5223"]
  xmpp-domain = "meet.example.com"
  base-url = "https://meet.example.com/"
  control-login { domain = "auth.meet.example.com", username = "jibri", password = "a-secret", port = 5333 }
  control-muc { domain = "internal.auth.meet.example.com", room-name = "JibriBrewery", nickname = "jibri-a" }
  call-login { domain = "recorder.meet.example.com", username = "recorder", password = "rec-a", randomize-username = true }
  strip-from-room-domain = "conference."
  usage-timeout = 1 hour
  trust-all-xmpp-certs = true
  security-mode = required
}`;

const ENV_B = `{
  name = "lab"
  xmpp-server-hosts = ["lab.example.org"]
  xmpp-domain = "lab.example.org"
  control-login { domain = "auth.lab.example.org", username = "jibri-lab", password = "b-secret" }
  control-muc { domain = "internal.auth.lab.example.org", room-name = "jibribrewery", nickname = "jibri-b" }
  call-login { domain = "hidden.lab.example.org", username = "rec", password = "rec-b" }
  strip-from-room-domain = "muc."
  usage-timeout = 0
  trust-all-xmpp-certs = false
}`;

describe('jibri.conf', () => {
  const main = write(
    'jibri.conf',
    `jibri {
  // a Debian user's file
  id = "jibri-from-file"
  single-use-mode = false
  api {
    http { external-api-port = 2230, internal-api-port = 3340 }
    xmpp { environments = [ ${ENV_A}, ${ENV_B} ] }
  }
  recording { recordings-directory = "/srv/recordings", finalize-script = "/path/to/finalize" }
  streaming.rtmp-allow-list = [ "rtmp://a.rtmp.youtube.com/live2/.*", ".*" ]
  ffmpeg {
    resolution = "1920x1080"
    framerate = 25
    video-encode-preset = "faster"
    audio-source = "alsa"
    audio-device = "plug:bsnoop"
  }
  chrome.flags = [ "--use-fake-ui-for-media-stream", "--kiosk" ]
  stats { enable-stats-d = false, prometheus.enabled = true }
  call-status-checks {
    no-media-timeout = 180000
    all-muted-timeout = 15 minutes
    default-call-empty-timeout = "45 seconds"
    ice-connection-timeout = 500ms
  }
  sip { outbound-prefix = "out_" }
  some-typo = 1
}
include "extra.conf"
`,
  );
  write('extra.conf', 'jibri.webhook.subscribers = ["http://127.0.0.1:6000/hook"]\n');

  it("maps Jibri's keys, both environments and HOCON durations (a bare number is milliseconds there)", async () => {
    const c = await loadServiceConfig({ JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'host');
    expect(c.files).toEqual([main, '/dev/null']);
    expect(c.instanceId).toBe('jibri-from-file');
    expect(c.http.port).toBe(2230);
    expect(c.lifecycle.internalPort).toBe(3340);
    expect(c.recording.dir).toBe('/srv/recordings');
    // Jibri's placeholder finalize script is no script.
    expect(c.recording.finalizeScript).toBeUndefined();
    expect(c.streaming.allowList).toEqual(['rtmp://a.rtmp.youtube.com/live2/.*']);
    expect(c.encoding).toMatchObject({ width: 1920, height: 1080, framerate: 25, presetRecording: 'faster' });
    expect(c.streaming.preset).toBe('faster');
    expect(c.browser.flags).toEqual(['--use-fake-ui-for-media-stream', '--kiosk']);
    expect(c.statsd.enabled).toBe(false);
    expect(c.prometheus).toBe(true);
    expect(c.webhooks.subscribers).toEqual(['http://127.0.0.1:6000/hook']);
    expect(c.call).toMatchObject({ noMediaTimeoutSec: 180, allMutedTimeoutSec: 900, emptyTimeoutSec: 45, iceTimeoutSec: 0.5 });
    expect(c.xmppEnvironments).toEqual([
      {
        name: 'prod',
        servers: [
          { host: 'xmpp1.example.com', port: 5333, id: 'xmpp1.example.com' },
          { host: 'xmpp2.example.com', port: 5223, id: 'xmpp2.example.com:5223' },
        ],
        authDomain: 'auth.meet.example.com',
        username: 'jibri',
        password: 'a-secret',
        breweryJid: 'jibribrewery@internal.auth.meet.example.com',
        nickname: 'jibri-a',
        xmppDomain: 'meet.example.com',
        stripFromRoomDomain: 'conference.',
        publicUrl: 'https://meet.example.com',
        trustAllCerts: true,
        callLogin: { domain: 'recorder.meet.example.com', username: 'recorder', password: 'rec-a', randomizeUsername: true },
        usageTimeoutSec: 3600,
      },
      expect.objectContaining({ name: 'lab', nickname: 'jibri-b', breweryJid: 'jibribrewery@internal.auth.lab.example.org', usageTimeoutSec: 0, trustAllCerts: false, stripFromRoomDomain: 'muc.' }),
    ]);
  });

  it('names every unknown or unsupported key in one warning', async () => {
    const c = await loadServiceConfig({ JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'host');
    const ignored = c.warnings.filter((w) => w.includes('ignored'));
    expect(ignored).toHaveLength(1);
    const w = ignored[0] ?? '';
    expect(w).toMatch(/jibri\.some-typo \(unknown\)/);
    expect(w).toMatch(/jibri\.sip\.outbound-prefix \(not supported: no SIP gateway\)/);
    expect(w).toMatch(/jibri\.ffmpeg\.audio-source \(not supported/);
    expect(w).toMatch(/jibri\.api\.xmpp\.environments\[0\]\.security-mode \(not supported/);
    expect(w).not.toMatch(/resolution|external-api-port|recordings-directory|call-status-checks|webhook/);
  });

  it('precedence as docker-jitsi-meet: jibri.conf < the environment < custom-jibri.conf (which may refer to jibri.conf)', async () => {
    const custom = write('custom-jibri.conf', 'jibri.ffmpeg.framerate = 15\njibri.id = ${jibri.id}"-custom"\n');
    const c = await loadServiceConfig({ JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: custom, JIBRI_HTTP_API_EXTERNAL_PORT: '2299', JIBRI_RECORDING_RESOLUTION: '1280x720', JIBRI_RECORDING_FRAMERATE: '25', JIBRI_INSTANCE_ID: 'from-env' }, 'host');
    // The environment wins over jibri.conf (port, resolution)...
    expect(c.http.port).toBe(2299);
    // ...and custom-jibri.conf over the environment (framerate, id), as docker-jitsi-meet includes it last.
    expect(c.encoding).toMatchObject({ width: 1280, height: 720, framerate: 15 });
    expect(c.instanceId).toBe('jibri-from-file-custom');
    // A key custom-jibri.conf does not set stays the environment's.
    const plain = await loadServiceConfig({ JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: custom, JIBRI_HTTP_API_EXTERNAL_PORT: '2299' }, 'host');
    expect(plain.http.port).toBe(2299);
    // The Debian package's defaults file gives way to jibri.conf and the environment.
    const defaults = write('defaults.conf', 'jibri.recording.recordings-directory = "/from-the-defaults"\njibri.ffmpeg.video-encode-preset = "slow"\n');
    const d = await loadServiceConfig({ JIBRI_DEFAULTS_CONFIG_FILE: defaults, JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'host');
    expect(d.recording.dir).toBe('/srv/recordings');
    const onlyDefaults = await loadServiceConfig({ JIBRI_DEFAULTS_CONFIG_FILE: defaults, JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'host');
    expect(onlyDefaults.recording.dir).toBe('/from-the-defaults');
    const envWins = await loadServiceConfig({ JIBRI_DEFAULTS_CONFIG_FILE: defaults, JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', JIBRI_RECORDING_DIR: '/from-env' }, 'host');
    expect(envWins.recording.dir).toBe('/from-env');
    // XMPP_SERVER describes one environment; the file's list is then set aside, and the log says so.
    const env = await loadServiceConfig({ JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', XMPP_SERVER: 'xmpp.meet.jitsi', JIBRI_XMPP_PASSWORD: 'x' }, 'host');
    expect(env.xmppEnvironments.map((e) => e.servers[0]?.host)).toEqual(['xmpp.meet.jitsi']);
    expect(env.warnings.join('\n')).toMatch(/jibri\.api\.xmpp\.environments .* is not used: XMPP_SERVER is set/);
  });

  it('refuses a bad file, a missing required key and a bad value, each with where it is', async () => {
    const bad = write('bad.conf', 'jibri {\n  api { http { external-api-port = }\n}\n');
    await expect(loadServiceConfig({ JIBRI_CONFIG_FILE: bad }, 'h')).rejects.toThrow(/bad\.conf is not valid HOCON: .*line: 2/);
    await expect(loadServiceConfig({ JIBRI_CONFIG_FILE: path.join(dir, 'none.conf') }, 'h')).rejects.toThrow(/cannot read the configuration file .*none\.conf \(ENOENT\)/);
    const noLogin = write('no-login.conf', `jibri.api.xmpp.environments = [ ${ENV_B.replace(/control-login \{[^}]*\}/, '')} ]\n`);
    await expect(loadServiceConfig({ JIBRI_CONFIG_FILE: noLogin, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'h')).rejects.toThrow(/environments\[0\]\.control-login is missing \(Jibri requires it\)/);
    const badDuration = write('bad-duration.conf', 'jibri.call-status-checks.no-media-timeout = "three minutes"\n');
    const err = await loadServiceConfig({ JIBRI_CONFIG_FILE: badDuration, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'h').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toMatch(/jibri\.conf jibri\.call-status-checks\.no-media-timeout = "three minutes": expected a number with a unit \(e\.g\. "1 hour".*or a number of milliseconds \(or set JIBRI_NO_MEDIA_TIMEOUT\)/);
  });

  it("reads an environment's usage-timeout as Jibri: whole minutes, a bare number in milliseconds, and says so at start", async () => {
    const conf = (value: string): string => write(`usage-${value.replace(/\W/g, '')}.conf`, `jibri.api.xmpp.environments = [ ${ENV_B.replace('usage-timeout = 0', `usage-timeout = ${value}`)} ]\n`);
    const load = (value: string): Promise<{ sec: number | undefined; warnings: string[] }> =>
      loadServiceConfig({ JIBRI_CONFIG_FILE: conf(value), JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' }, 'h').then((c) => ({ sec: c.xmppEnvironments[0]?.usageTimeoutSec, warnings: c.warnings.filter((w) => w.includes('usage-timeout')) }));
    // docker-jitsi-meet's template writes JIBRI_USAGE_TIMEOUT=3600 as it is: 3.6 seconds, under a minute, no limit.
    expect(await load('3600')).toEqual({ sec: 0, warnings: [expect.stringMatching(/environments\[0\]\.usage-timeout = 3600 is a bare number: Jibri reads it as 3600 milliseconds, under one minute, so no usage limit applies; write it with a unit, e\.g\. "1 hour"/)] });
    expect(await load('"3600"')).toMatchObject({ sec: 0, warnings: [expect.stringMatching(/bare number/)] });
    expect(await load('"1 hour"')).toEqual({ sec: 3600, warnings: [] });
    expect(await load('"150 seconds"')).toEqual({ sec: 120, warnings: [expect.stringMatching(/is read as 2 minutes: Jibri keeps usage-timeout in whole minutes/)] });
    expect(await load('"59 seconds"')).toEqual({ sec: 0, warnings: [expect.stringMatching(/is under one minute/)] });
  });

  it('tells the ops scripts a setting wherever it is set', async () => {
    expect(await settingValue('JIBRI_HTTP_API_INTERNAL_PORT', { JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' })).toBe('3340');
    expect(await settingValue('JIBRI_HTTP_API_INTERNAL_PORT', { JIBRI_CONFIG_FILE: main, JIBRI_CUSTOM_CONFIG_FILE: '/dev/null', JIBRI_HTTP_API_INTERNAL_PORT: '4000' })).toBe('4000');
    expect(await settingValue('JIBRI_HTTP_API_EXTERNAL_PORT', { JIBRI_CONFIG_FILE: '/dev/null', JIBRI_CUSTOM_CONFIG_FILE: '/dev/null' })).toBe('2222');
    await expect(settingValue('NOT_A_SETTING', {})).rejects.toThrow(/not a jibri-ts setting/);
  });
});
