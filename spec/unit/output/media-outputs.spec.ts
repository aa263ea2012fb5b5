/** The HLS, thumbnails and audio-only kinds: their ffmpeg arguments, names, playlist and request parsing. */
import { audioOnlyFile, fileMuxer } from '../../../lib/output/file/file-output';
import { hlsMuxerOptions, playlistWithToken, servedHlsFile } from '../../../lib/output/hls/hls-files';
import { HlsOutput } from '../../../lib/output/hls/hls-output';
import { audioOnlySession, createOutputs, outputRefusal } from '../../../lib/output/outputs';
import { intervalProblem, latestThumbnail, thumbnailEncode } from '../../../lib/output/thumbnails/thumbnails';
import { redact } from '../../../lib/redact';
import { encodeSpec, toArgv } from '../../../lib/pipeline/encoder/ffmpeg-args';
import { parseStartBody } from '../../../lib/http/bodies';
import { hlsAccess, viewerTokenOf } from '../../../lib/http/served-api';
import { hlsJobFiles, newJob, objectKey } from '../../../lib/delivery/job';
import { readyEvent } from '../../../lib/delivery/links';

const enc = { width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioLatencyMs: 33 };
const src = { display: ':5', audioSource: 'sink.monitor', originMs: 1_700_000_000_123 };
const hlsEntry = { options: hlsMuxerOptions(), target: '/rec/s/hls/index.m3u8', keyframeIntervalSec: 2 };
const thumbEntry = { options: { f: 'image2', atomic_writing: '1' }, target: '/rec/s/thumbnails/thumb-%06d.jpg', ownEncode: thumbnailEncode(10) };

describe('the encode for HLS, thumbnails and audio only', () => {
  it('records audio only without any screen capture or video encode', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.m4a', true)]);
    const argv = toArgv(spec);
    expect(spec.audioOnly).toBe(true);
    expect(spec.inputs.map((i) => i.format)).toEqual(['pulse']);
    expect(argv).not.toContain('x11grab');
    expect(argv).not.toContain('libx264');
    expect(argv).toContain('-vn');
    expect(argv.slice(-3)).toEqual(['-f', 'mp4', '/rec/s/room.m4a']);
    // No picture to follow: the sound is not moved.
    expect(argv[argv.indexOf('-itsoffset') + 1]).toBe('-1700000000.123');
  });

  it('puts a key frame every segment length when HLS is among the outputs', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.mp4'), hlsEntry]);
    const argv = toArgv(spec);
    expect(argv[argv.indexOf('-force_key_frames') + 1]).toBe('expr:gte(t,n_forced*2)');
    const tee = spec.output.target;
    expect(tee).toContain('[f=hls:hls_time=2:hls_list_size=0:hls_playlist_type=event:hls_flags=independent_segments+temp_file]/rec/s/hls/index.m3u8');
    expect(toArgv(encodeSpec(enc, src, [fileMuxer('/rec/s/room.mp4')]))).not.toContain('-force_key_frames');
  });

  it('writes HLS alone directly, with its key frames', () => {
    const spec = encodeSpec(enc, src, [hlsEntry]);
    const argv = toArgv(spec);
    expect(argv).toContain('-force_key_frames');
    expect([...spec.output.options.slice(-2), spec.output.target]).toEqual(['-f', 'hls', '/rec/s/hls/index.m3u8']);
    expect(argv).toContain('x11grab');
  });

  it('takes thumbnails from their own scaled branch of the capture, after the shared encode', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.mp4'), thumbEntry]);
    expect(spec.output.target).toBe('/rec/s/room.mp4');
    expect(spec.output.options.slice(2, 6)).toEqual(['-map', '0:v', '-map', '[sound]']);
    // Its branch starts from the recorded picture, without the frame clock's rows.
    expect(spec.more).toEqual([{ options: ['-map', '0:v', '-vf', 'crop=1280:720:0:0,fps=1/10,scale=640:-2', '-an', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '5', '-fps_mode', 'passthrough', '-atomic_writing', '1', '-f', 'image2'], target: '/rec/s/thumbnails/thumb-%06d.jpg' }]);
    const argv = toArgv(spec);
    expect(argv.indexOf('/rec/s/room.mp4')).toBeLessThan(argv.indexOf('crop=1280:720:0:0,fps=1/10,scale=640:-2'));
    expect(argv.indexOf('/rec/s/thumbnails/thumb-%06d.jpg')).toBeLessThan(argv.indexOf('pipe:1'));
  });

  it('gives an audio-only file beside video outputs the sound alone (tee select)', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.m4a', true), hlsEntry]);
    expect(toArgv(spec)).toContain('x11grab');
    expect(spec.output.target).toContain('select=a]/rec/s/room.m4a');
  });

  it('keeps an audio-only file audio only beside thumbnails: the picture is captured for the thumbnails alone', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.m4a', true), thumbEntry]);
    expect(spec.audioOnly).toBe(true);
    expect(spec.inputs.map((i) => i.format)).toEqual(['x11grab', 'pulse']);
    expect(spec.output.target).toBe('/rec/s/room.m4a');
    expect(spec.output.options.slice(0, 2)).toEqual(['-map', '1:a']);
    expect(spec.output.options).not.toContain('0:v');
    expect(spec.output.options).not.toContain('libx264');
    expect(spec.output.options).toContain('-vn');
    expect(spec.more?.[0]?.options.slice(0, 2)).toEqual(['-map', '0:v']);
    // The sound follows no picture of its own: it is not moved.
    expect(spec.inputs[1]!.options[spec.inputs[1]!.options.indexOf('-itsoffset') + 1]).toBe('-1700000000.123');
  });

  it('refuses an encode with nothing but an own branch', () => {
    expect(() => encodeSpec(enc, src, [thumbEntry])).toThrow(/shared encode/);
  });
});

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
    expect(hlsAccess('my session', [out])).toEqual({
      playlist: '/jibri/api/v1.0/sessions/my%20session/hls/index.m3u8',
      viewer: `/jibri/api/v1.0/sessions/my%20session/hls/#token=${token}`,
      token,
    });
    expect(hlsAccess('s', [])).toBeUndefined();
  });

  it('reads the viewer token from the bearer header, else from ?token=', () => {
    const req = (auth: string | undefined, query: Record<string, unknown>) => ({ query, get: (n: string) => (n === 'authorization' ? auth : undefined) }) as unknown as Parameters<typeof viewerTokenOf>[0];
    expect(viewerTokenOf(req('Bearer abc', { token: 'q' }))).toBe('abc');
    expect(viewerTokenOf(req(undefined, { token: 'q' }))).toBe('q');
    expect(viewerTokenOf(req(undefined, { token: ['a', 'b'] }))).toBeUndefined();
    expect(viewerTokenOf(req(undefined, {}))).toBeUndefined();
  });
});

describe('thumbnails', () => {
  it('finds the newest picture by its number', () => {
    expect(latestThumbnail(['thumb-000002.jpg', 'thumb-000010.jpg', 'thumb-000009.jpg', 'thumb-000011.jpg.tmp', 'x.jpg'])).toBe('thumb-000010.jpg');
    expect(latestThumbnail([])).toBeUndefined();
  });

  it('takes a whole number of seconds from 1 to 3600', () => {
    expect(intervalProblem(10)).toBeUndefined();
    for (const bad of [0, 1.5, -3, 3601, '10', null]) expect(intervalProblem(bad)).toBeDefined();
  });
});

describe('outputs of the new kinds', () => {
  const plan = { mediaFile: '/rec/s/room_2024.mp4', sessionDir: '/rec/s', stream: { retryTimeoutSec: 60 }, streamLocalCopy: false };

  it('makes an audio-only file an .m4a beside where the .mp4 would be', () => {
    expect(audioOnlyFile('/rec/s/room_2024.mp4')).toBe('/rec/s/room_2024.m4a');
    const [file] = createOutputs([{ kind: 'file', audioOnly: true }], plan);
    expect(file!.mediaFile).toBe('/rec/s/room_2024.m4a');
    expect(audioOnlySession([{ kind: 'file', audioOnly: true }])).toBe(true);
    expect(audioOnlySession([{ kind: 'file', audioOnly: true }, { kind: 'hls' }])).toBe(false);
  });

  it('makes HLS and thumbnails in their folders of the session', () => {
    const outputs = createOutputs([{ kind: 'file' }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 5 }], plan);
    expect(outputs.map((o) => [o.id, o.kind, o.served?.dir])).toEqual([['file-1', 'file', undefined], ['hls-2', 'hls', '/rec/s/hls'], ['thumbnails-3', 'thumbnails', '/rec/s/thumbnails']]);
    expect(outputs.map((o) => o.live)).toEqual([false, false, false]);
  });

  it('refuses a second file, HLS or thumbnails output', () => {
    expect(outputRefusal([{ kind: 'hls' }, { kind: 'hls' }], { streamAllowList: [] })?.message).toMatch(/at most one "hls"/);
    expect(outputRefusal([{ kind: 'file' }, { kind: 'file', audioOnly: true }], { streamAllowList: [] })?.code).toBe('BAD_REQUEST');
    expect(outputRefusal([{ kind: 'file' }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 10 }], { streamAllowList: [] })).toBeUndefined();
  });
});

describe('startService with an outputs list', () => {
  const base = { sessionId: 's1', callParams: { callUrlInfo: { baseUrl: 'https://meet.example.com', callName: 'room' } } };

  it('takes the list instead of sinkType', () => {
    const parsed = parseStartBody({ ...base, outputs: [{ type: 'file', audioOnly: true }, { type: 'hls' }, { type: 'thumbnails' }, { type: 'thumbnails', intervalSeconds: 30 }] });
    expect(parsed.ok && parsed.request.outputs).toEqual([{ kind: 'file', audioOnly: true }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 10 }, { kind: 'thumbnails', intervalSec: 30 }]);
  });

  it('takes rtmp entries with their credentials', () => {
    const parsed = parseStartBody({ ...base, outputs: [{ type: 'rtmp', url: 'rtmp://ingest.example.com/live/key', username: 'u', password: 'p' }] });
    expect(parsed.ok && parsed.request.outputs).toEqual([{ kind: 'stream', rtmpUrl: 'rtmp://ingest.example.com/live/key', username: 'u', password: 'p' }]);
  });

  it('says which entry and field is wrong, never a value', () => {
    const parsed = parseStartBody({ ...base, outputs: [{ type: 'hls' }, { type: 'thumbnails', intervalSeconds: 0 }, { type: 'file', audioOnly: 'yes' }, { type: 'dash' }, 'x', { type: 'rtmp', url: 'http://secret-key-here' }] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.field)).toEqual(['outputs[1].intervalSeconds', 'outputs[2].audioOnly', 'outputs[3].type', 'outputs[4]', 'outputs[5].url']);
    expect(JSON.stringify(parsed.errors)).not.toContain('secret-key-here');
  });

  it('refuses an empty or oversized list, and still needs sinkType without one', () => {
    for (const outputs of [[], 'hls', Array.from({ length: 17 }, () => ({ type: 'hls' }))]) {
      const parsed = parseStartBody({ ...base, outputs });
      expect(!parsed.ok && parsed.errors[0]?.field).toBe('outputs');
    }
    const none = parseStartBody(base);
    expect(!none.ok && none.errors.map((e) => e.field)).toEqual(['sinkType']);
  });
});

describe('HLS delivered with the recording', () => {
  it('lists the segments in order, then the playlist, named by their path in the session folder', () => {
    const files = hlsJobFiles('/rec/s', ['index10.ts', 'index.m3u8', 'index2.ts', 'index11.ts.tmp', 'other.txt']);
    expect(files).toEqual([
      { role: 'hls-segment', name: 'hls/index2.ts', path: '/rec/s/hls/index2.ts' },
      { role: 'hls-segment', name: 'hls/index10.ts', path: '/rec/s/hls/index10.ts' },
      { role: 'hls', name: 'hls/index.m3u8', path: '/rec/s/hls/index.m3u8' },
    ]);
    expect(objectKey('p/', '/rec/s', files[2]!.name)).toBe('p/s/hls/index.m3u8');
  });

  it("names the playlist in the ready event, not each segment", async () => {
    const job = newJob({ sessionId: 's', meetingUrl: 'https://m/r', sinkType: 'file', mediaFile: '/rec/s/r.mp4', startedAt: 'a', endedAt: 'b' }, { instanceId: 'i', target: 'local', state: 'queued', now: 0 });
    const withHls = { ...job, files: [...job.files, ...hlsJobFiles('/rec/s', ['index0.ts', 'index.m3u8'])] };
    const event = await readyEvent(withHls, { jibriId: 'i', ttlSec: 60, now: 0 });
    expect(event.files.map((f) => [f.role, f.name])).toEqual([['media', 'r.mp4'], ['hls', 'hls/index.m3u8']]);
  });
});
