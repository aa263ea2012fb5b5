import { childEnvFrom } from '../../../lib/proc/child-env';
import { registerSecret } from '../../../lib/redact';

describe('child environments', () => {
  const service = {
    PATH: '/usr/bin:/bin',
    HOME: '/tmp/jibri',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'Europe/Berlin',
    XDG_RUNTIME_DIR: '/tmp/jibri/run',
    PULSE_SERVER: 'unix:/tmp/pulse.sock',
    DISPLAY: ':0',
    JIBRI_XMPP_PASSWORD: 'xmpp-pw-123',
    JIBRI_RECORDER_PASSWORD: 'rec-pw-456',
    JIBRI_HTTP_API_TOKEN: 'api-token-789',
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    UPLOAD_API_KEY: 'upload-key',
    PULSE_TOKEN: 'odd-but-secret',
    XMPP_SERVER: 'xmpp.meet.jitsi',
    NODE_OPTIONS: '--inspect',
  };

  it('keeps the allow-list and nothing else', () => {
    expect(childEnvFrom(service)).toEqual({
      PATH: '/usr/bin:/bin', HOME: '/tmp/jibri', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'Europe/Berlin',
      XDG_RUNTIME_DIR: '/tmp/jibri/run', PULSE_SERVER: 'unix:/tmp/pulse.sock', DISPLAY: ':0',
    });
  });

  it('adds what one child needs, and what the operator named for it', () => {
    const env = childEnvFrom(service, { DISPLAY: ':101', PULSE_SINK: 'jibri_ts_1_1' }, ['AWS_SECRET_ACCESS_KEY']);
    expect(env).toMatchObject({ DISPLAY: ':101', PULSE_SINK: 'jibri_ts_1_1', AWS_SECRET_ACCESS_KEY: 'aws-secret' });
    expect(env.UPLOAD_API_KEY).toBeUndefined();
  });

  it('never passes a registered secret, whatever it is called', () => {
    registerSecret('rec-pw-456', { pinned: true });
    const env = childEnvFrom({ ...service, HOME: '/home/rec-pw-456' }, { PULSE_SINK: 'x-rec-pw-456' }, ['JIBRI_RECORDER_PASSWORD']);
    expect(JSON.stringify(env)).not.toContain('rec-pw-456');
  });
});
