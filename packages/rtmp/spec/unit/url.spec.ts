/** RTMP URLs split as ffmpeg splits them: host, port, application (with its instance), tcUrl and stream name. */
import { parseRtmpUrl, type RtmpEndpoint } from '../../lib/url';

describe('parseRtmpUrl', () => {
  it.each<[string, Partial<RtmpEndpoint>]>([
    ['rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl', { tls: false, host: 'a.rtmp.youtube.com', port: 1935, app: 'live2', tcUrl: 'rtmp://a.rtmp.youtube.com/live2', streamName: 'abcd-efgh-ijkl' }],
    ['rtmps://live-api-s.facebook.com:443/rtmp/FB-1-0-Ab?s_bl=1&s_sc=2', { tls: true, port: 443, app: 'rtmp', tcUrl: 'rtmps://live-api-s.facebook.com:443/rtmp', streamName: 'FB-1-0-Ab?s_bl=1&s_sc=2' }],
    ['rtmps://global-live.mux.com/app/key', { tls: true, port: 443, tcUrl: 'rtmps://global-live.mux.com/app' }],
    ['rtmp://127.0.0.1:19350/live/key', { host: '127.0.0.1', port: 19350, tcUrl: 'rtmp://127.0.0.1:19350/live' }],
    ['rtmp://[::1]:1936/live/key', { host: '::1', port: 1936, tcUrl: 'rtmp://[::1]:1936/live' }],
    ['RTMP://Host/live/key', { tls: false, host: 'Host', tcUrl: 'rtmp://Host/live' }],
    // An application instance: the second of three or more segments.
    ['rtmp://wowza.example/app/_definst_/key', { app: 'app/_definst_', tcUrl: 'rtmp://wowza.example/app/_definst_', streamName: 'key' }],
    ['rtmp://h/app/inst/a/b', { app: 'app/inst', streamName: 'a/b' }],
    // A ':' before the next '/' is a stream name, not an instance.
    ['rtmp://h/app/mp4:folder/file', { app: 'app', streamName: 'mp4:folder/file' }],
    // Query strings stay with the stream name; one in the application stays with the application.
    ['rtmp://h/live/key?token=abc/def', { app: 'live', streamName: 'key?token=abc/def' }],
    ['rtmp://h/live?vhost=v.example/key', { app: 'live?vhost=v.example', tcUrl: 'rtmp://h/live?vhost=v.example', streamName: 'key' }],
    ['rtmp://h/ondemand/a/b', { app: 'ondemand', streamName: 'a/b' }],
    // ffmpeg's play path rules.
    ['rtmp://h/live/name.flv', { streamName: 'name' }],
    ['rtmp://h/live/name.mp4', { streamName: 'mp4:name.mp4' }],
  ])('%s', (url, expected) => {
    const r = parseRtmpUrl(url);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.endpoint).toMatchObject(expected);
  });

  it.each([
    ['http://h/live/key', /rtmp/],
    ['rtmp://user:pw@h/live/key', /credentials/],
    ['rtmp://h/live', /application and the stream key/],
    ['rtmp://h/live/', /application and the stream key/],
    ['rtmp://h/app/inst/', /application and the stream key/],
    ['rtmp:///live/key', /host/],
    ['rtmp://h:0/live/key', /port/],
    ['rtmp://h:99999/live/key', /port/],
    ['rtmp://h:x/live/key', /host/],
  ])('refuses %s', (url, message) => {
    const r = parseRtmpUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
