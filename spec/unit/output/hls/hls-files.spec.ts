/** HLS's file names, the playlist with the viewer's token, the viewer token itself and the links the start answer gives. */
import { playlistWithToken, servedHlsFile } from '../../../../lib/output/hls/hls-files';
import { HlsOutput } from '../../../../lib/output/hls/hls-output';
import { redact } from '../../../../lib/redact';
import { viewerAccess, viewerTokenOf } from '../../../../lib/http/served-api';

describe('HLS names and playlist', () => {
  it('serves only the playlist and its segments', () => {
    expect(servedHlsFile('index.m3u8')).toBe('playlist');
    expect(servedHlsFile('index12.ts')).toBe('segment');
    for (const bad of ['../metadata.json', 'index1.ts.tmp', 'index.m3u8.tmp', 'x.ts', 'index-1.ts', '', 'index1.ts/..']) expect(servedHlsFile(bad)).toBeUndefined();
  });

  it("adds the viewer's token to every segment line and nothing else", () => {
    const playlist = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000000,\nindex0.ts\n#EXTINF:2.000000,\nindex1.ts\n';
    expect(playlistWithToken(playlist, 'a b/c')).toBe('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000000,\nindex0.ts?token=a%20b%2Fc\n#EXTINF:2.000000,\nindex1.ts?token=a%20b%2Fc\n');
  });

  it('makes a long random viewer token per session, masked in every log line', () => {
    const a = new HlsOutput('hls-1', '/rec/s');
    const b = new HlsOutput('hls-1', '/rec/s');
    expect(a.served.viewerToken).not.toBe(b.served.viewerToken);
    expect(a.served.viewerToken!.length).toBeGreaterThanOrEqual(32);
    expect(a.served.dir).toBe('/rec/s/hls');
    expect(redact(`token ${a.served.viewerToken!}`)).toBe('token ****');
  });

  it('gives the start answer its links, with the token in the viewer link\'s #fragment', () => {
    const out = new HlsOutput('hls-1', '/rec/s');
    const token = out.served.viewerToken!;
    expect(viewerAccess('my session', [out])?.hls).toEqual({
      playlist: '/jibri/api/v1.0/sessions/my%20session/hls/index.m3u8',
      viewer: `/jibri/api/v1.0/sessions/my%20session/hls/#token=${token}`,
      token,
    });
    expect(viewerAccess('s', [])).toBeUndefined();
  });

  it('reads the viewer token from the bearer header, else from ?token=', () => {
    const req = (auth: string | undefined, query: Record<string, unknown>) => ({ query, get: (n: string) => (n === 'authorization' ? auth : undefined) }) as unknown as Parameters<typeof viewerTokenOf>[0];
    expect(viewerTokenOf(req('Bearer abc', { token: 'q' }))).toBe('abc');
    expect(viewerTokenOf(req(undefined, { token: 'q' }))).toBe('q');
    expect(viewerTokenOf(req(undefined, { token: ['a', 'b'] }))).toBeUndefined();
    expect(viewerTokenOf(req(undefined, {}))).toBeUndefined();
  });
});
