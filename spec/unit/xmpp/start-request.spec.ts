/** JIBRI_XMPP_AUDIO_ONLY: Jicofo's file recordings become audio-only; its streams do not change. */
import type { XmppEnvironment } from '../../../lib/config';
import { startRequestFromIq } from '../../../lib/xmpp/start-request';

const env: XmppEnvironment = {
  name: 'prod', servers: [{ host: 'xmpp.example.com', port: 5222 }], authDomain: 'auth.meet.example.com', username: 'jibri', password: 'pw',
  breweryJid: 'jibribrewery@internal-muc.meet.example.com', nickname: 'jibri', xmppDomain: 'meet.example.com', stripFromRoomDomain: 'conference.',
  trustAllCerts: true, usageTimeoutSec: 0,
} as XmppEnvironment;
const login = { domain: 'recorder.meet.example.com', username: 'recorder', password: 'rpw' };
const room = 'testroom@conference.meet.example.com';

describe('the operator rule for audio-only XMPP sessions', () => {
  it('records the sound alone for file recordings', () => {
    const r = startRequestFromIq({ kind: 'start', recordingMode: 'file', room, sessionId: 's1' }, env, 'prod-xmpp', login, { audioOnly: true });
    expect(r.ok && r.request.outputs).toEqual([{ kind: 'file', audioOnly: true }]);
  });

  it('leaves streams and the default as Jibri has them', () => {
    const stream = startRequestFromIq({ kind: 'start', recordingMode: 'stream', streamId: 'abcd-1234-efgh', room, sessionId: 's2' }, env, 'prod-xmpp', login, { audioOnly: true });
    expect(stream.ok && stream.request.outputs[0]?.kind).toBe('rtmp');
    const file = startRequestFromIq({ kind: 'start', recordingMode: 'file', room, sessionId: 's3' }, env, 'prod-xmpp', login);
    expect(file.ok && file.request.outputs).toEqual([{ kind: 'file' }]);
  });
});
