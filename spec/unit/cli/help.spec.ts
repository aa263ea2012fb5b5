import { parseCommand, USAGE } from '../../../lib/cli/help';
import { describeHealth, healthUrl, startupProblems } from '../../../lib/cli/status';

describe('the command line', () => {
  it('reads every command and refuses what it does not know', () => {
    expect(parseCommand([])).toEqual({ kind: 'serve' });
    expect(parseCommand(['demo'])).toEqual({ kind: 'demo', seconds: 10 });
    expect(parseCommand(['demo', '3'])).toEqual({ kind: 'demo', seconds: 3 });
    expect(parseCommand(['demo', 'x']).kind).toBe('usage-error');
    expect(parseCommand(['status', '--check'])).toEqual({ kind: 'status', check: true, json: false });
    expect(parseCommand(['status', '--loud']).kind).toBe('usage-error');
    expect(parseCommand(['config', 'get', 'XMPP_SERVER'])).toEqual({ kind: 'config-get', name: 'XMPP_SERVER' });
    expect(parseCommand(['config'])).toEqual({ kind: 'usage-error', message: 'use: jibri-ts config get NAME' });
    expect(parseCommand(['serve', 'now']).kind).toBe('usage-error');
    expect(parseCommand(['fleet', '--help'])).toEqual({ kind: 'fleet', argv: ['--help'] });
  });

  it('--help and --version win wherever they are, and never start anything', () => {
    expect(parseCommand(['--help'])).toEqual({ kind: 'help', text: USAGE });
    expect(parseCommand(['serve', '-h']).kind).toBe('help');
    expect(parseCommand(['demo', '5', '--help']).kind).toBe('help');
    expect(parseCommand(['serve', '--version'])).toEqual({ kind: 'version' });
  });
});

describe('status in words', () => {
  const body = (healthStatus: string, details: Record<string, Record<string, unknown>>, busyStatus = 'IDLE') => ({ busy: busyStatus !== 'IDLE', status: { busyStatus, health: { healthStatus, details } } });

  it('puts the problems first, with their hints', () => {
    const text = describeHealth(body('UNHEALTHY', { ffmpeg: { healthStatus: 'HEALTHY', detail: '/usr/bin/ffmpeg' }, display: { healthStatus: 'UNHEALTHY', detail: 'Xvfb is not installed: install it with apt-get install xvfb' } }), 'http://127.0.0.1:2222');
    expect(text.split('\n')).toEqual([
      'jibri-ts at http://127.0.0.1:2222 is UNHEALTHY and idle: a recording request would be taken',
      'one problem (docs/TROUBLESHOOTING.md says what to do):',
      '  PROBLEM Xvfb (display): Xvfb is not installed: install it with apt-get install xvfb',
      'checks that pass:',
      '  ok      ffmpeg: /usr/bin/ffmpeg',
      '',
    ]);
  });

  it('reaches a wildcard bind on loopback', () => {
    expect(healthUrl({ host: '0.0.0.0', port: 2222, allowOpen: false, maxEventStreams: 1 })).toBe('http://127.0.0.1:2222/jibri/api/v1.0/health');
    expect(healthUrl({ host: '::1', port: 2222, allowOpen: false, maxEventStreams: 1 })).toBe('http://[::1]:2222/jibri/api/v1.0/health');
  });

  it('at start: one message naming what is missing and one apt-get line for all of it', () => {
    expect(startupProblems({ ffmpeg: { healthStatus: 'HEALTHY' } })).toBeUndefined();
    const text = startupProblems({
      ffmpeg: { healthStatus: 'UNHEALTHY', detail: 'ffmpeg is missing or broken (ffmpeg): install it with apt-get install ffmpeg, or set JIBRI_FFMPEG_PATH' },
      chromium: { healthStatus: 'UNHEALTHY', detail: 'Chromium was not found at /usr/bin/chromium: install it with apt-get install chromium, or set JIBRI_CHROMIUM_PATH' },
      recordings: { healthStatus: 'UNHEALTHY', detail: 'The recordings folder /x is not writable (EACCES): fix its permissions or set JIBRI_RECORDING_DIR' },
    });
    expect(text).toContain('cannot record yet (3 problems); jibri-ts installs nothing itself');
    expect(text).toContain('apt-get install --no-install-recommends ffmpeg chromium (the jibri-ts Debian package and image bring them)');
    expect(text).toContain('recordings folder: The recordings folder /x is not writable');
  });
});
