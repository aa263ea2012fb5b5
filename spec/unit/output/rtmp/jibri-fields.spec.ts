import { streamUrlFromHttp, streamUrlFromIq, viewingUrlFromIq } from '../../../../lib/output/rtmp/jibri-fields';

describe("Jibri's stream fields", () => {
  it('HTTP: a key alone goes to YouTube; a key with rtmpUrl is appended; a full URL in the key is kept', () => {
    expect(streamUrlFromHttp('abcd-1234', undefined)).toEqual({ ok: true, url: 'rtmp://a.rtmp.youtube.com/live2/abcd-1234' });
    expect(streamUrlFromHttp('k1', 'rtmp://ingest.example/app/')).toEqual({ ok: true, url: 'rtmp://ingest.example/app/k1' });
    expect(streamUrlFromHttp('rtmps://host/app/key', 'rtmp://ignored/x')).toEqual({ ok: true, url: 'rtmps://host/app/key' });
    expect(streamUrlFromHttp(undefined, 'rtmp://host/app/key')).toEqual({ ok: true, url: 'rtmp://host/app/key' });
    expect(streamUrlFromHttp(undefined, undefined).ok).toBe(false);
    expect(streamUrlFromHttp('has/slash', undefined).ok).toBe(false);
  });

  it('XMPP: streamid and you_tube_broadcast_id as Jibri reads them', () => {
    expect(streamUrlFromIq('abcd-efgh')).toEqual({ ok: true, url: 'rtmp://a.rtmp.youtube.com/live2/abcd-efgh' });
    expect(streamUrlFromIq('RTMPS://x/y/z')).toEqual({ ok: true, url: 'RTMPS://x/y/z' });
    // Jibri would send these to YouTube as keys.
    expect(streamUrlFromIq('http://host/live/key').ok).toBe(false);
    expect(streamUrlFromIq('key with spaces').ok).toBe(false);
    expect(viewingUrlFromIq('AbC')).toBe('http://youtu.be/AbC');
    expect(viewingUrlFromIq('https://view/x')).toBe('https://view/x');
  });
});
