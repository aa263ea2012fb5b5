import xml from '@xmpp/xml';
import { jibriStatusChild, NS_JIBRI, parseAppData, parseJibriIq} from '../../../lib/xmpp/jibri-iq';
import { jibriStatus } from '../../../lib/xmpp/presence';
import { parseMarkup } from '../../../testkit/fake-jicofo';

const child = (markup: string) => parseMarkup(markup).getChild('jibri', NS_JIBRI)!;

describe('the jibri IQ', () => {
  it('reads E1 (file start) as Jicofo sends it', () => {
    const el = child(`<iq type="set" id="t-start-file-1" to="jibribrewery@internal.auth.meet.example.com/jibri-1">
      <jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="file" room="testroom@conference.meet.example.com"
        session_id="0b7f5c2e-1d2a-4c3b-8e9f-a1b2c3d4e5f6" app_data="{&quot;file_recording_metadata&quot;:{&quot;share&quot;:true}}" rtcstats_enabled="false"/></iq>`);
    expect(parseJibriIq(el)).toEqual({
      kind: 'start', recordingMode: 'file', room: 'testroom@conference.meet.example.com', sessionId: '0b7f5c2e-1d2a-4c3b-8e9f-a1b2c3d4e5f6',
      appData: '{"file_recording_metadata":{"share":true}}', rtcstatsEnabled: false,
    });
  });
  it('reads E2 (stream) and E4 (stop)', () => {
    expect(parseJibriIq(child(`<iq><jibri xmlns="http://jitsi.org/protocol/jibri" action="start" recording_mode="stream" room="r@c.d" streamid="rtmp://rtmp.example.test/live/key123" you_tube_broadcast_id="AbCdEfGhIjK" session_id="s" rtcstats_enabled="true"/></iq>`))).toEqual(
      expect.objectContaining({ recordingMode: 'stream', streamId: 'rtmp://rtmp.example.test/live/key123', youTubeBroadcastId: 'AbCdEfGhIjK', rtcstatsEnabled: true }),
    );
    expect(parseJibriIq(child(`<iq><jibri xmlns="http://jitsi.org/protocol/jibri" action="stop" session_id="s"/></iq>`))).toEqual({ kind: 'stop', sessionId: 's' });
  });
  it('parses enums case-insensitively, treats empty attributes as absent, ignores unknown ones', () => {
    expect(parseJibriIq(xml('jibri', { xmlns: NS_JIBRI, action: 'START', recording_mode: 'FILE', room: '', foo: 'bar' }))).toEqual({ kind: 'start', recordingMode: 'file' });
    expect(parseJibriIq(xml('jibri', { xmlns: NS_JIBRI, action: 'start', recording_mode: 'tape' }))).toEqual({ kind: 'start' });
  });
  it('turns anything else into a bad request, never a throw', () => {
    expect(parseJibriIq(xml('jibri', { xmlns: NS_JIBRI })).kind).toBe('invalid');
    expect(parseJibriIq(xml('jibri', { xmlns: NS_JIBRI, action: 'dance' })).kind).toBe('invalid');
    expect(parseJibriIq(xml('jibri', { xmlns: 'urn:other', action: 'start' })).kind).toBe('invalid');
    for (let i = 0; i < 300; i++) {
      const attrs: Record<string, string> = {};
      for (const k of ['action', 'recording_mode', 'room', 'session_id', 'rtcstats_enabled', 'sipaddress']) if ((i * 7 + k.length) % 3) attrs[k] = String.fromCharCode(...Array.from({ length: (i % 40) + 1 }, (_, j) => 32 + ((i * 31 + j * 17) % 90)));
      expect(() => parseJibriIq(xml('jibri', { xmlns: NS_JIBRI, ...attrs }))).not.toThrow();
    }
  });
  it('reads app_data as Jibri does', () => {
    expect(parseAppData('{"file_recording_metadata":{"share":true},"other":1}')).toEqual({ ok: true, metadata: { share: true } });
    expect(parseAppData(undefined)).toEqual({ ok: true, metadata: {} });
    expect(parseAppData('{"x":1}')).toEqual({ ok: true, metadata: {} });
    expect(parseAppData('{bad').ok).toBe(false);
    expect(parseAppData('{"file_recording_metadata":5}').ok).toBe(false);
  });
  it('builds answers with Jibri attributes and an explicit should_retry', () => {
    expect(jibriStatusChild('pending').toString()).toBe('<jibri xmlns="http://jitsi.org/protocol/jibri" status="pending"/>');
    expect(jibriStatusChild('off', { failure: { reason: 'busy', shouldRetry: true } }).toString()).toBe(
      '<jibri xmlns="http://jitsi.org/protocol/jibri" status="off" failure_reason="busy" should_retry="true"/>',
    );
    expect(jibriStatusChild('on', { sipAddress: 'sip:a@b' }).attrs.sipaddress).toBe('sip:a@b');
  });
  it('builds the brewery presence with both children in their namespaces', () => {
    expect(jibriStatus({ busy: false, healthy: true }).toString()).toBe(
      '<jibri-status xmlns="http://jitsi.org/protocol/jibri"><busy-status xmlns="http://jitsi.org/protocol/jibri" status="idle"/><health-status xmlns="http://jitsi.org/protocol/health" status="healthy"/></jibri-status>',
    );
    expect(jibriStatus({ busy: true, healthy: false }).toString()).toContain('status="unhealthy"');
  });
});
