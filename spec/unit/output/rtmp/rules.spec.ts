import { checkStreamUrl, isAllowed, redactStreamUrl, streamSecrets } from '../../../../lib/output/rtmp/rules';

describe('stream URLs', () => {
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
