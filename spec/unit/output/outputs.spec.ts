/**
 * The output kinds behind one interface: which outputs a session gets, which requests are refused before
 * anything starts, Jibri's mode word, and each output's muxer entry in the one encode.
 */
import { FileOutput, fileMuxer } from '../../../lib/output/file/file-output';
import { createOutputs, outputRefusal, sessionMode } from '../../../lib/output/outputs';
import { flvMuxer, StreamChannel, StreamOutput } from '../../../lib/output/stream/stream-output';
import { encodeSpec, toArgv } from '../../../lib/pipeline/encoder/ffmpeg-args';
import { redact } from '../../../lib/redact';

const plan = { mediaFile: '/rec/s/room.mp4', stream: { retryTimeoutSec: 60 }, streamLocalCopy: false };
const enc = { width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioLatencyMs: 33 };
const src = { display: ':5', audioSource: 'sink.monitor', originMs: 0 };

describe('outputs', () => {
  it('makes one output per request, and the local copy of a stream only when configured', () => {
    expect(createOutputs([{ kind: 'file' }], plan).map((o) => [o.kind, o.id, o.mediaFile, o.live])).toEqual([['file', 'file-1', '/rec/s/room.mp4', false]]);
    const stream = { kind: 'stream' as const, rtmpUrl: 'rtmp://in.example/live/k1' };
    expect(createOutputs([stream], plan).map((o) => [o.kind, o.mediaFile, o.live])).toEqual([['stream', undefined, true]]);
    const withCopy = createOutputs([stream], { ...plan, streamLocalCopy: true });
    expect(withCopy.map((o) => [o.kind, o.id, o.title])).toEqual([['stream', 'stream-1', 'stream to rtmp://in.example/live/****'], ['file', 'local-copy', 'a local copy']]);
    // A file request already writes the session's one media file: no second copy of it.
    expect(createOutputs([{ kind: 'file' }], { ...plan, streamLocalCopy: true })).toHaveLength(1);
  });

  it('a stream output masks its key and credentials from the moment it exists', () => {
    const channel = new StreamChannel({ retryTimeoutSec: 60 }, () => false);
    const out = new StreamOutput('s', { kind: 'stream', rtmpUrl: 'rtmps://in.example/live/outputs-key-1', username: 'u1', password: 'outputs-pw-1' }, channel);
    expect(redact('rtmps://in.example/live/outputs-key-1 outputs-pw-1')).not.toMatch(/outputs-key-1|outputs-pw-1/);
    expect(out.summary()).toEqual({ kind: 'stream', shownAs: 'rtmps://in.example/live/****', link: { state: 'connecting', reconnects: 0 } });
    expect(new StreamOutput('v', { kind: 'stream', rtmpUrl: 'rtmp://h/a/k', viewingUrl: 'https://watch/x' }, channel).presence).toEqual({ 'live-stream-view-url': 'https://watch/x' });
    expect(new FileOutput('f', '/rec/s/a.mp4').summary()).toEqual({ kind: 'file', shownAs: '/rec/s/a.mp4' });
  });

  it('refuses a malformed stream URL or one outside the allow-list, never quoting it', () => {
    expect(outputRefusal([{ kind: 'file' }], { streamAllowList: ['rtmp://x/.*'] })).toBeUndefined();
    expect(outputRefusal([{ kind: 'stream', rtmpUrl: 'rtmp://host/onlyapp' }], { streamAllowList: [] })).toMatchObject({ code: 'BAD_STREAM_URL', retryable: false });
    const denied = outputRefusal([{ kind: 'stream', rtmpUrl: 'rtmp://other/live/refusal-key' }], { streamAllowList: ['rtmp://allowed/.*'] });
    expect(denied).toMatchObject({ code: 'STREAM_NOT_ALLOWED', retryable: false });
    expect(denied?.message).not.toContain('refusal-key');
    expect(outputRefusal([{ kind: 'stream', rtmpUrl: 'rtmp://allowed/live/k' }], { streamAllowList: ['rtmp://allowed/.*'] })).toBeUndefined();
  });

  it("names a session's mode as Jibri does: stream when any output is live", () => {
    expect(sessionMode([{ kind: 'file' }])).toBe('file');
    expect(sessionMode([{ kind: 'stream', rtmpUrl: 'rtmp://h/a/k' }])).toBe('stream');
    expect(sessionMode([{ kind: 'file' }, { kind: 'stream', rtmpUrl: 'rtmp://h/a/k' }])).toBe('stream');
  });

  it('encodes once for several outputs: each writes its own entry, and streams never stop the others', () => {
    const live = { preset: 'veryfast', maxBitrateKbps: 3000, gopSize: 60 };
    const spec = encodeSpec(enc, src, [flvMuxer('unix:/a.sock'), flvMuxer('unix:/b.sock'), fileMuxer('/rec/s/x.mp4')], live);
    // One encode; the frame clock's branch is raw, not encoded.
    expect(toArgv(spec).filter((a) => a === '-c:v')).toHaveLength(1);
    expect(spec.output.target.split(/(?<!\\)\|/)).toEqual([
      '[f=flv:flvflags=no_duration_filesize:flush_packets=1:onfail=ignore]unix:/a.sock',
      '[f=flv:flvflags=no_duration_filesize:flush_packets=1:onfail=ignore]unix:/b.sock',
      '[f=mp4:movflags=+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1]/rec/s/x.mp4',
    ]);
    // Several files and no live output: the tee with the recording encode.
    const files = toArgv(encodeSpec(enc, src, [fileMuxer('/a.mp4'), fileMuxer('/b.mp4')])).join(' ');
    expect(files).toContain('-preset ultrafast');
    expect(files).toContain('-f tee');
    expect(files).not.toContain('zerolatency');
    expect(() => encodeSpec(enc, src, [])).toThrow(/at least one output/);
  });
});
