import { streamUrlFromHttp, streamUrlFromIq, viewingUrlFromIq } from '../../../../lib/output/rtmp/jibri-fields';
import { checkStreamUrl, isAllowed, redactStreamUrl, streamSecrets } from '../../../../lib/output/rtmp/rules';

describe('stream URLs', () => {
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

  it('checks the shape of an ingest URL', () => {
    expect(checkStreamUrl('rtmp://a.rtmp.youtube.com/live2/key').ok).toBe(true);
    expect(checkStreamUrl('rtmps://live-api-s.facebook.com:443/rtmp/FB-1?s_bl=1').ok).toBe(true);
    for (const bad of ['http://host/app/key', 'rtmp://host/', 'rtmp://host/app', 'not a url', 'rtmp://u:p@host/app/key', 'rtmp://host/app/k ey', 'file:///etc/passwd']) {
      expect(checkStreamUrl(bad).ok).toBe(false);
    }
  });

  it('allow-list patterns must match the whole URL', () => {
    const list = ['rtmp://a\\.rtmp\\.youtube\\.com/live2/.*', 'rtmps://[a-z]+\\.example\\.com/.*'];
    expect(isAllowed('rtmp://a.rtmp.youtube.com/live2/k', list)).toBe(true);
    expect(isAllowed('rtmps://ingest.example.com/app/k', list)).toBe(true);
    expect(isAllowed('rtmp://evil.com/live2/rtmp://a.rtmp.youtube.com/live2/k', list)).toBe(false);
    expect(isAllowed('rtmp://a.rtmp.youtube.com/live2/k', ['rtmp://a\\.rtmp'])).toBe(false);
    expect(isAllowed('rtmp://anything/x/y', [])).toBe(true);
  });

  it('never shows the key or the credentials', () => {
    expect(redactStreamUrl('rtmp://a.rtmp.youtube.com/live2/SECRETKEY')).toBe('rtmp://a.rtmp.youtube.com/live2/****');
    expect(redactStreamUrl('rtmps://host:443/app/k?token=x')).toBe('rtmps://host:443/app/****');
    expect(redactStreamUrl('garbage')).toBe('rtmp://****');
    expect(streamSecrets('rtmp://h/app/KEY-1?x=SECRET', 'user', 'pw')).toEqual(expect.arrayContaining(['rtmp://h/app/KEY-1?x=SECRET', 'KEY-1', 'x=SECRET', 'user', 'pw']));
  });
});
