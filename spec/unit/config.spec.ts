import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseRecordingDir, ConfigError, environmentWithDotEnv, LEGACY_RECORDING_DIR, loadConfig, parseDotEnv, parseXmppServers, SETTINGS, firstSessionCpuEstimate, MEASURED_SESSION_CORES } from '../../lib/config';
import { formatSeconds, parseDuration } from '@jibri-ts/common';

describe('configuration', () => {
  it("has docker-jitsi-meet's defaults", () => {
    const c = loadConfig({}, 'host-a');
    expect(c.http).toEqual({ host: '127.0.0.1', port: 2222, allowOpen: false, maxEventStreams: 16 });
    expect(c.recorderLoginOrigins).toEqual(['https://meet.jitsi']);
    expect(c.recording.finalizeScriptEnv).toEqual([]);
    expect(c.encoding).toEqual({ width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioLatencyMs: 0 });
    expect(c.browser.chromiumPath).toBe('/usr/bin/chromium');
    expect(c.instanceId).toBe('host-a');
    expect(c.recorderLogin).toBeUndefined();
    expect(c.xmppEnvironments).toEqual([]);
    expect(c.statsd).toEqual({ enabled: true, host: 'localhost', port: 8125 });
    expect(c.call).toEqual({ joinTimeoutSec: 30, emptyTimeoutSec: 30, allMutedTimeoutSec: 600, noMediaTimeoutSec: 180, iceTimeoutSec: 30, checkIntervalSec: 5, usageTimeoutSec: 0 });
    expect(c.recording.finalizeTimeoutSec).toBe(3600);
    expect(c.browser.flags).toBeUndefined();
    expect(c.autoscaler).toBeUndefined();
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
    ['JIBRI_SESSION_CPU_ESTIMATE', '-1', /JIBRI_SESSION_CPU_ESTIMATE.*number from 0.05 to 64, or auto/],
    ['JIBRI_SINGLE_USE_MODE', 'sometimes', /JIBRI_SINGLE_USE_MODE.*true or false/],
    ['JIBRI_CALL_LOGIN_ALLOWED_ORIGINS', 'https://meet.example.com/room', /JIBRI_CALL_LOGIN_ALLOWED_ORIGINS.*not an origin/],
    ['JIBRI_CALL_LOGIN_ALLOWED_ORIGINS', 'meet.example.com', /JIBRI_CALL_LOGIN_ALLOWED_ORIGINS.*not an origin/],
    ['JIBRI_FINALIZE_RECORDING_SCRIPT_ENV', 'AWS_KEY,JIBRI_XMPP_PASSWORD', /JIBRI_XMPP_PASSWORD is one of the service's own secrets/],
    ['JIBRI_FINALIZE_RECORDING_SCRIPT_ENV', 'NOT A NAME', /not a variable name/],
    ['JIBRI_HTTP_API_MAX_EVENT_STREAMS', '0', /JIBRI_HTTP_API_MAX_EVENT_STREAMS.*1 to 1000/],
    ['JIBRI_XMPP_UNREACHABLE_GRACE', '0', /JIBRI_XMPP_UNREACHABLE_GRACE/],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value, JIBRI_XMPP_PASSWORD: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value, JIBRI_XMPP_PASSWORD: 'x' })).toThrow(message);
  });

  describe('secrets from files (NAME_FILE, docker secrets)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-secret-files-'));
    const file = (name: string, content: string, mode = 0o400): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content, { mode });
      return f;
    };
    const xmpp = { XMPP_SERVER: 'xmpp.example' };

    it('every secret setting has its _FILE twin, and nothing else has one', () => {
      const names = new Set(SETTINGS.map((s) => s.name));
      for (const s of SETTINGS.filter((x) => x.secret)) expect(names.has(`${s.name}_FILE`)).toBe(true);
      expect(SETTINGS.filter((s) => s.fileOf).map((s) => s.fileOf).sort()).toEqual(SETTINGS.filter((s) => s.secret).map((s) => s.name).sort());
    });

    it('reads each secret once from its file, without the trailing newline', () => {
      const c = loadConfig({
        ...xmpp,
        JIBRI_XMPP_PASSWORD_FILE: file('xmpp', 'x-pw\n'),
        JIBRI_RECORDER_PASSWORD_FILE: file('rec', 'r-pw'),
        JIBRI_HTTP_API_TOKEN_FILE: file('token', 'tok\r\n'),
        JIBRI_HTTP_API_INTERNAL_AUTH: 'true',
      });
      expect(c.xmppEnvironments[0]?.password).toBe('x-pw');
      expect(c.recorderLogin?.password).toBe('r-pw');
      expect(c.http.token).toBe('tok');
      expect(c.lifecycle.internalToken).toBe('tok');
    });

    it('refuses an unreadable or empty file, and a secret given both ways, naming the variables', () => {
      expect(() => loadConfig({ ...xmpp, JIBRI_XMPP_PASSWORD_FILE: path.join(dir, 'nope') })).toThrow(/JIBRI_XMPP_PASSWORD_FILE=".*nope": the file cannot be read \(ENOENT\)/);
      expect(() => loadConfig({ ...xmpp, JIBRI_XMPP_PASSWORD_FILE: file('empty', '\n') })).toThrow(/JIBRI_XMPP_PASSWORD_FILE=.*the file is empty/);
      expect(() => loadConfig({ ...xmpp, JIBRI_XMPP_PASSWORD: 'a', JIBRI_XMPP_PASSWORD_FILE: file('both', 'b') })).toThrow(/JIBRI_XMPP_PASSWORD and JIBRI_XMPP_PASSWORD_FILE are both set/);
      expect(() => loadConfig({ JIBRI_HTTP_API_INTERNAL_AUTH: 'true' })).toThrow(/JIBRI_HTTP_API_INTERNAL_AUTH=true needs JIBRI_HTTP_API_TOKEN/);
    });
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
    const c = loadConfig({ XMPP_SERVER: 'xmpp.meet.jitsi, other:6222', JIBRI_XMPP_PASSWORD: 'pw', JIBRI_INSTANCE_ID: 'rec-1', PUBLIC_URL: 'https://meet.example.com/', JIBRI_RECORDER_PASSWORD: 'rp', JIBRI_USAGE_TIMEOUT: '90 minutes' });
    expect(c.xmppEnvironments).toHaveLength(1);
    expect(c.xmppEnvironments[0]).toEqual(
      expect.objectContaining({
        name: '',
        callLogin: { domain: 'hidden.meet.jitsi', username: 'recorder', password: 'rp' },
        usageTimeoutSec: 5400,
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
    // The first CPU estimate is, unless set, what the meeting bench measured at the recording's size and rate.
    expect(d.capacity).toEqual({ slots: 1, sessionCpuCores: firstSessionCpuEstimate(1280, 720, 30), sessionMemoryBytes: 450 * 1024 * 1024, audioOnlyCpuCores: 0.3, cpuTarget: 0.9, workerMemoryMb: 512 });
    expect(d.capacity.sessionCpuCores).toBe(MEASURED_SESSION_CORES[0]!.cores);
    expect(loadConfig({ JIBRI_RECORDING_RESOLUTION: '1920x1080' }).capacity.sessionCpuCores).toBe(MEASURED_SESSION_CORES[1]!.cores);
    expect(loadConfig({ JIBRI_RECORDING_FRAMERATE: '15', JIBRI_SESSION_CPU_ESTIMATE: 'auto' }).capacity.sessionCpuCores).toBeCloseTo(MEASURED_SESSION_CORES[0]!.cores / 2, 2);
    // Between the measured sizes, in between; far below them, never less than most of 720p's (the videos' decoding stays).
    const mid = firstSessionCpuEstimate(1600, 900, 30);
    expect(mid).toBeGreaterThan(MEASURED_SESSION_CORES[0]!.cores);
    expect(mid).toBeLessThan(MEASURED_SESSION_CORES[1]!.cores);
    expect(firstSessionCpuEstimate(640, 360, 30)).toBeGreaterThanOrEqual(MEASURED_SESSION_CORES[0]!.cores * 0.75 - 0.01);
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

  it('writes each default once: SETTINGS holds them, and an empty environment gives exactly them', () => {
    const names = SETTINGS.map((x) => x.name);
    expect(new Set(names).size).toBe(names.length);
    const source = fs.readFileSync(path.join(__dirname, '../../lib/config.ts'), 'utf8');
    const reader = source.slice(source.indexOf('export function loadConfig'));
    // Reader calls name a setting and its bounds, never a default: r.int('NAME', min, max).
    expect(reader).not.toMatch(/r\.(text|int|bool|duration|oneOf)\('[A-Z_]+', '/);
    const c = loadConfig({}, 'h');
    expect(c.http.port).toBe(Number(SETTINGS.find((x) => x.name === 'JIBRI_HTTP_API_EXTERNAL_PORT')?.default));
  });

  const xmppEnv = { XMPP_SERVER: 'xmpp.meet.jitsi', JIBRI_XMPP_PASSWORD: 'pw' };
  it.each([
    ['1 hour', 3600],
    ['90 minutes', 5400],
    ['2 h', 7200],
    ['0', 0],
    // Jibri keeps whole minutes (toMinutes truncates); a bare number is HOCON's milliseconds.
    ['90 seconds', 60],
    ['30s', 0],
    ['3600', 0],
    ['60000', 60],
    ['5400000', 5400],
  ])('reads JIBRI_USAGE_TIMEOUT=%s for the XMPP environment as Jibri does: %d s', (value, sec) => {
    expect(loadConfig({ ...xmppEnv, JIBRI_USAGE_TIMEOUT: value }).xmppEnvironments[0]?.usageTimeoutSec).toBe(sec);
  });

  it('warns at start when JIBRI_USAGE_TIMEOUT is bare, under a minute or not whole minutes, naming the fix', () => {
    const warn = (value: string): string[] => loadConfig({ ...xmppEnv, JIBRI_USAGE_TIMEOUT: value }).warnings.filter((w) => w.includes('JIBRI_USAGE_TIMEOUT'));
    expect(warn('3600')).toEqual([expect.stringMatching(/JIBRI_USAGE_TIMEOUT="3600" is a bare number: Jibri reads it as 3600 milliseconds, under one minute, so no usage limit applies; write it with a unit, e\.g\. "1 hour"/)]);
    expect(warn('5400000')).toEqual([expect.stringMatching(/bare number: Jibri reads it as 5400000 milliseconds, 90 minutes/)]);
    expect(warn('30 seconds')).toEqual([expect.stringMatching(/is under one minute: Jibri keeps usage-timeout in whole minutes, so no usage limit applies/)]);
    expect(warn('90 seconds')).toEqual([expect.stringMatching(/is read as 1 minute: Jibri keeps usage-timeout in whole minutes/)]);
    expect(warn('1 hour')).toEqual([]);
    expect(warn('0')).toEqual([]);
  });

  it('says JIBRI_USAGE_TIMEOUT limits nothing without XMPP_SERVER, and where HTTP sessions take theirs', () => {
    expect(loadConfig({ JIBRI_USAGE_TIMEOUT: '1 hour' }).warnings).toEqual([expect.stringMatching(/JIBRI_USAGE_TIMEOUT limits nothing here.*XMPP_SERVER is not set.*JIBRI_HTTP_USAGE_TIMEOUT/)]);
    expect(loadConfig({ ...xmppEnv, JIBRI_USAGE_TIMEOUT: '1 hour' }).warnings).toEqual([]);
  });

  it('never limits HTTP-started sessions unless JIBRI_HTTP_USAGE_TIMEOUT asks', () => {
    expect(loadConfig({ ...xmppEnv, JIBRI_USAGE_TIMEOUT: '1 hour' }).call.usageTimeoutSec).toBe(0);
    expect(loadConfig({ JIBRI_HTTP_USAGE_TIMEOUT: '2 hours' }).call.usageTimeoutSec).toBe(7200);
    expect(loadConfig({ JIBRI_HTTP_USAGE_TIMEOUT: '45' }).call.usageTimeoutSec).toBe(45);
  });

  it('quotes the accepted forms when a duration is bad', () => {
    expect(() => loadConfig({ JIBRI_HTTP_USAGE_TIMEOUT: 'an hour' })).toThrow(/JIBRI_HTTP_USAGE_TIMEOUT="an hour": expected a number with a unit \(e\.g\. "1 hour", "90 minutes", "30 seconds", "500 ms".*or a whole number of seconds/);
    expect(() => loadConfig({ JIBRI_USAGE_TIMEOUT: 'an hour' })).toThrow(/JIBRI_USAGE_TIMEOUT="an hour": expected a number with a unit.*or a number of milliseconds/);
    expect(() => loadConfig({ JIBRI_CALL_EMPTY_TIMEOUT: '3 fortnights' })).toThrow(/JIBRI_CALL_EMPTY_TIMEOUT.*"1 hour"/);
    expect(() => loadConfig({ JIBRI_JWT_TTL: '5 minutes', JIBRI_JWT_SIGNING_KEY_PATH: '/k', JIBRI_JWT_KID: 'k', JIBRI_JWT_ISSUER: 'i', JIBRI_JWT_AUDIENCE: 'a' })).toThrow(/JIBRI_JWT_TTL.*from 600 to/);
  });

  it('parses HOCON durations, bare numbers by their source', () => {
    expect(parseDuration('500 ms', 's')).toEqual({ ok: true, ms: 500 });
    expect(parseDuration('500', 'ms')).toEqual({ ok: true, ms: 500 });
    expect(parseDuration(500, 'ms')).toEqual({ ok: true, ms: 500 });
    expect(parseDuration('500', 's')).toEqual({ ok: true, ms: 500000 });
    expect(parseDuration('1.5 hours', 's')).toEqual({ ok: true, ms: 5400000 });
    expect(parseDuration('10 days', 's')).toEqual({ ok: true, ms: 864000000 });
    expect(parseDuration('-1 s', 's').ok).toBe(false);
    expect(parseDuration('1 Hour', 's').ok).toBe(false);
    expect(parseDuration('1 hour 5 minutes', 's').ok).toBe(false);
    expect(formatSeconds(3600)).toBe('1 hour');
    expect(formatSeconds(90)).toBe('90 seconds');
    expect(formatSeconds(600)).toBe('10 minutes');
  });

  it('lets CHROMIUM_FLAGS replace the flag list; IGNORE_CERTIFICATE_ERRORS then no longer applies and says so', () => {
    const c = loadConfig({ CHROMIUM_FLAGS: '--kiosk, --lang=de', IGNORE_CERTIFICATE_ERRORS: 'true' });
    expect(c.browser.flags).toEqual(['--kiosk', '--lang=de']);
    expect(c.warnings.join('\n')).toMatch(/IGNORE_CERTIFICATE_ERRORS does not apply: CHROMIUM_FLAGS replaces the flag list/);
    expect(loadConfig({ IGNORE_CERTIFICATE_ERRORS: 'true' }).warnings).toEqual([]);
  });

  it("uses docker-jitsi-meet's /storage/recordings, an older /config/recordings volume when only that one is usable, and JIBRI_RECORDING_DIR above both", () => {
    const probe = (writable: string[], dirs: string[]) => ({ writable: (d: string) => writable.includes(d), isDirectory: (d: string) => dirs.includes(d) });
    expect(chooseRecordingDir(undefined, '/storage/recordings', probe(['/storage/recordings'], []))).toEqual({ dir: '/storage/recordings', legacy: false });
    expect(chooseRecordingDir(undefined, '/storage/recordings', probe([LEGACY_RECORDING_DIR], [LEGACY_RECORDING_DIR]))).toEqual({ dir: LEGACY_RECORDING_DIR, legacy: true });
    expect(chooseRecordingDir(undefined, '/storage/recordings', probe(['/storage/recordings', LEGACY_RECORDING_DIR], [LEGACY_RECORDING_DIR]))).toEqual({ dir: '/storage/recordings', legacy: false });
    expect(chooseRecordingDir('/data/rec', '/storage/recordings', probe([LEGACY_RECORDING_DIR], [LEGACY_RECORDING_DIR]))).toEqual({ dir: '/data/rec', legacy: false });
    const legacy = loadConfig({}, 'h', { writable: (d) => d === LEGACY_RECORDING_DIR, isDirectory: (d) => d === LEGACY_RECORDING_DIR });
    expect(legacy.recording.dir).toBe(LEGACY_RECORDING_DIR);
    expect(legacy.warnings.join('\n')).toMatch(/mount the recordings at \/storage\/recordings/);
  });

  it("reads the autoscaler with docker-jitsi-meet's variables and defaults", () => {
    const c = loadConfig({ AUTOSCALER_URL: 'https://scaler.example.com/', JIBRI_INSTANCE_ID: 'rec-9', XMPP_ENV_NAME: 'prod' }, 'h', { realpath: () => '/etc/keys/jitsi-2024.pem', localAddress: () => '10.1.2.3' });
    expect(c.autoscaler).toEqual({
      url: 'https://scaler.example.com',
      keyFile: '/etc/jitsi/autoscaler-sidecar/asap.pem',
      keyId: 'jitsi-2024',
      // A new id at every start, as docker-jitsi-meet's image (not JIBRI_INSTANCE_ID, which survives restarts).
      instanceId: expect.stringMatching(/^jibri-\d{19,}$/),
      groupName: 'docker-jibri',
      region: 'docker',
      hostId: '',
      environment: 'prod',
      privateIp: '10.1.2.3',
      version: expect.any(String),
      shutdownPollingSec: 60,
      statsPollingSec: 30,
      drainTimeoutSec: 6 * 3600,
    });
    const again = loadConfig({ AUTOSCALER_URL: 'https://scaler.example.com/', JIBRI_INSTANCE_ID: 'rec-9' }, 'h', { realpath: () => '/k.pem', localAddress: () => '10.1.2.3' });
    expect(again.autoscaler?.instanceId).not.toBe(c.autoscaler?.instanceId);
    expect(loadConfig({ AUTOSCALER_URL: 'http://a', JIBRI_AUTOSCALER_DRAIN_TIMEOUT: '90 minutes' }, 'h', { realpath: (f) => f }).autoscaler?.drainTimeoutSec).toBe(5400);
    const d = loadConfig({ AUTOSCALER_URL: 'http://a', AUTOSCALER_SIDECAR_KEY_ID: 'kid-1', AUTOSCALER_SIDECAR_INSTANCE_ID: 'i-1', LOCAL_ADDRESS: '192.0.2.7', AUTOSCALER_SIDECAR_SHUTDOWN_POLLING_INTERVAL: '5', AUTOSCALER_SIDECAR_STATS_POLLING_INTERVAL: '2 seconds' });
    expect(d.autoscaler).toMatchObject({ keyId: 'kid-1', instanceId: 'i-1', privateIp: '192.0.2.7', shutdownPollingSec: 5, statsPollingSec: 2 });
    expect(() => loadConfig({ AUTOSCALER_URL: 'ftp://x' })).toThrow(/AUTOSCALER_URL/);
  });

  it('warns when the S3 secret equals the access key id (it is in every link), naming the fix, never the value', () => {
    const s3 = { JIBRI_UPLOAD_S3_BUCKET: 'rec', JIBRI_UPLOAD_S3_ENDPOINT: 'http://minio:9000' };
    const same = loadConfig({ ...s3, JIBRI_UPLOAD_S3_ACCESS_KEY_ID: 'same-key-value', JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: 'same-key-value' }).warnings.filter((w) => w.includes('JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY'));
    expect(same).toEqual([expect.stringMatching(/is the same as JIBRI_UPLOAD_S3_ACCESS_KEY_ID .*every "recording ready" link.*Create a separate key pair for the recorder/)]);
    expect(same[0]).not.toContain('same-key-value');
    expect(loadConfig({ ...s3, JIBRI_UPLOAD_S3_ACCESS_KEY_ID: 'recorder', JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: 'a-long-random-secret' }).warnings.join('\n')).not.toMatch(/SECRET_ACCESS_KEY/);
  });

  it("names at start docker-jitsi-meet's variables for parts jibri-ts does not have, and replaced ones, with why, never their values", () => {
    const c = loadConfig({ JIBRI_XORG_HORIZ_SYNC: '30.0-81.0', JIBRI_CHROMEDRIVER_PORT: '9515', AUTOSCALER_SIDECAR_PORT: '6000', JIBRI_XORG_VERT_REFRESH: ' ', JIBRI_RECORDING_AUDIO_DELAY_MS: '17' });
    const w = c.warnings.filter((x) => x.includes('variables that jibri-ts does not use'));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/AUTOSCALER_SIDECAR_PORT \(the autoscaler's sidecar is built in.*JIBRI_CHROMEDRIVER_PORT \(no chromedriver.*JIBRI_RECORDING_AUDIO_DELAY_MS \(the picture's delay is measured.*JIBRI_XORG_HORIZ_SYNC \(no Xorg/);
    expect(w[0]).not.toMatch(/VERT_REFRESH|30\.0-81\.0|9515|6000|17/);
    expect(loadConfig({}).warnings.join('\n')).not.toMatch(/variables that jibri-ts does not use/);
  });

  it('refuses an HTTP API beyond loopback without a token, saying how to set one', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'jibri.example.com']) {
      expect(() => loadConfig({ JIBRI_HTTP_API_EXTERNAL_HOST: host })).toThrow(/is not a loopback address and JIBRI_HTTP_API_TOKEN is not set.*openssl rand -hex 32.*JIBRI_HTTP_API_ALLOW_OPEN=true/s);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(loadConfig({ JIBRI_HTTP_API_EXTERNAL_HOST: host }).http.host).toBe(host);
    expect(loadConfig({ JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_TOKEN: 'secret-token' }).http.token).toBe('secret-token');
    expect(loadConfig({ JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_ALLOW_OPEN: 'true' }).http).toMatchObject({ host: '0.0.0.0', allowOpen: true });
  });

  it('refuses an internal API beyond loopback that takes no token, as it refuses the HTTP API', () => {
    for (const host of ['0.0.0.0', '10.1.2.3']) {
      expect(() => loadConfig({ JIBRI_HTTP_API_INTERNAL_HOST: host })).toThrow(/JIBRI_HTTP_API_INTERNAL_HOST=.* is not a loopback address and the internal API takes no token.*JIBRI_HTTP_API_INTERNAL_AUTH=true/s);
    }
    expect(loadConfig({ JIBRI_HTTP_API_INTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_TOKEN: 't', JIBRI_HTTP_API_INTERNAL_AUTH: 'true', JIBRI_HTTP_API_EXTERNAL_HOST: '0.0.0.0' }).lifecycle).toMatchObject({ internalHost: '0.0.0.0', internalToken: 't' });
    expect(loadConfig({ JIBRI_HTTP_API_INTERNAL_HOST: '0.0.0.0', JIBRI_HTTP_API_ALLOW_OPEN: 'true' }).lifecycle.internalHost).toBe('0.0.0.0');
    expect(loadConfig({ JIBRI_HTTP_API_INTERNAL_HOST: '::1' }).lifecycle.internalHost).toBe('::1');
  });

  it('reads JIBRI_SHUTDOWN_AT as an instant with its time zone', () => {
    expect(loadConfig({ JIBRI_SHUTDOWN_AT: '2026-03-01T12:00:00Z' }).lifecycle.shutdownAtMs).toBe(Date.UTC(2026, 2, 1, 12));
    expect(loadConfig({ JIBRI_SHUTDOWN_AT: '2026-03-01T13:00:00.500+01:00' }).lifecycle.shutdownAtMs).toBe(Date.UTC(2026, 2, 1, 12) + 500);
    expect(loadConfig({}).lifecycle.shutdownAtMs).toBeUndefined();
    for (const bad of ['2026-03-01 12:00', '2026-03-01T12:00:00', 'tomorrow', '2026-13-01T00:00:00Z']) expect(() => loadConfig({ JIBRI_SHUTDOWN_AT: bad })).toThrow(/JIBRI_SHUTDOWN_AT=.*ISO 8601 with its time zone/);
  });

  it('hands the recorder login only to the operator\'s own origins', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://meet.example.com/', XMPP_DOMAIN: 'meet.internal', JIBRI_CALL_LOGIN_ALLOWED_ORIGINS: 'https://other.example.org:8443, HTTP://LOCALHOST:8000/' });
    expect(c.recorderLoginOrigins).toEqual(['https://meet.example.com', 'https://meet.internal', 'https://other.example.org:8443', 'http://localhost:8000']);
    expect(loadConfig({ XMPP_SERVER: 'x', JIBRI_XMPP_PASSWORD: 'pw', JIBRI_XMPP_UNREACHABLE_GRACE: '5 seconds' }).xmppUnreachableGraceSec).toBe(5);
  });
});
