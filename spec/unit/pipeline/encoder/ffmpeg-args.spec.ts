import { fileMuxer } from '../../../../lib/output/file/file-output';
import { flvMuxer } from '../../../../lib/output/rtmp/rtmp-output';
import { AUDIO_FILTER, AUDIO_ONLY_FILTER, encodeSpec, ownEncodeSpec, videoFilter, remuxArgv, teeSlave, toArgv } from '../../../../lib/pipeline/encoder/ffmpeg-args';
import { parseFfmpegLine } from '../../../../lib/pipeline/encoder/ffmpeg-progress';
import { clockFilter } from '../../../../lib/pipeline/frame-clock/clock-code';
import { hlsMuxerOptions } from '../../../../lib/output/hls/hls-files';
import { thumbnailEncode } from '../../../../lib/output/thumbnails/thumbnails';

describe('ffmpeg command', () => {
  const enc = { width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioLatencyMs: 33 };
  const spec = encodeSpec(enc, { display: ':5', audioSource: 'sink.monitor', originMs: 1_700_000_000_123 }, [fileMuxer('/rec/s/room.mp4')]);
  const argv = toArgv(spec);
  const has = (...seq: string[]): boolean => argv.join('\u0000').includes(seq.join('\u0000'));

  it("uses Jibri's recording parameters", () => {
    // The screen's two rows below the picture are the frame clock's.
    expect(has('-f', 'x11grab', '-draw_mouse', '0', '-framerate', '30', '-video_size', '1280x722', '-thread_queue_size', '4096')).toBe(true);
    expect(has('-i', ':5.0+0,0')).toBe(true);
    expect(has('-f', 'pulse', '-thread_queue_size', '4096')).toBe(true);
    expect(has('-i', 'sink.monitor')).toBe(true);
    expect(has('-map', '0:v', '-map', '[sound]', '-c:a', 'aac', '-b:a', '128k', '-ar', '44100')).toBe(true);
    // The sound goes through the graph that moves it to the picture (frame-clock/sound-shift.ts).
    expect(argv[argv.indexOf('-filter_complex') + 1]).toMatch(new RegExp(`^\\[1:a\\]${AUDIO_FILTER},adelay@fine=.*\\[sound\\]$`));
    expect(has('-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '25', '-pix_fmt', 'yuv420p')).toBe(true);
    expect(spec.output.target).toBe('/rec/s/room.mp4');
  });
  it('reads the frame clock from every grab: its rows and the grab time, raw, to standard output', () => {
    expect(spec.clock).toEqual({ options: ['-map', '0:v', '-vf', clockFilter(1280, 720), '-fps_mode', 'passthrough', '-f', 'rawvideo'], target: 'pipe:1' });
    expect(clockFilter(1280, 720)).toMatch(/^crop=1280:2:0:720,format=gray,split.*geq=lum='255\*mod\(floor\(floor\(T\*4000\)/);
    expect(argv.slice(-9)).toEqual([...spec.clock!.options, 'pipe:1']);
    // Standard input carries the commands that move the sound.
    expect(argv).not.toContain('-nostdin');
  });
  it('writes fragments that survive a kill', () => {
    expect(has('-frag_duration', '1000000')).toBe(true);
    expect(has('-flush_packets', '1')).toBe(true);
  });
  it('counts both inputs from one wall-clock origin; the sound is moved at run time, by the measured difference', () => {
    expect(argv.slice(0, argv.indexOf('-f'))).toContain('-copyts');
    expect(has('-thread_queue_size', '4096', '-itsoffset', '-1700000000.123', '-i', ':5.0+0,0')).toBe(true);
    expect(has('-itsoffset', '-1700000000.123', '-i', 'sink.monitor')).toBe(true);
  });
  it('runs x264 on two threads whatever the host has', () => {
    expect(has('-c:v', 'libx264')).toBe(true);
    expect(has('-threads:v', '2')).toBe(true);
  });
  it('keeps the grab times of frames, to the microsecond, and starts both streams at zero', () => {
    expect(has('-fps_mode', 'passthrough', '-vf', `crop=1280:720:0:0,${videoFilter(30)}`, '-enc_time_base:v', '1:90000')).toBe(true);
    expect(argv).not.toContain('-r');
    expect(has('-bf', '0')).toBe(true);
    expect(AUDIO_FILTER).toBe('aresample=async=1000:first_pts=0');
    // One element of argv: the commas are escaped for the filter-graph parser, not for a shell.
    expect(videoFilter(30)).toBe('select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,0.0250),setpts=if(eq(N\\,0)\\,0\\,PTS)');
  });
  it('remuxes by stream copy', () => {
    expect(remuxArgv('a.mp4', 'b.mp4').join(' ')).toContain('-c copy -movflags +faststart');
  });
});

describe('ffmpeg command for a stream', () => {
  const enc = { width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioLatencyMs: 33 };
  const stream = { preset: 'veryfast', maxBitrateKbps: 2976, gopSize: 60 };
  const channel = 'unix:/tmp/jibri-ts-flv-x/encoder.sock';
  const src = { display: ':5', audioSource: 'sink.monitor', originMs: 1_700_000_000_000 };

  it("uses Jibri's streaming parameters and writes the FLV to the service's channel, never to an ingest", () => {
    const spec = encodeSpec(enc, src, [flvMuxer(channel)], stream);
    const line = toArgv(spec).join(' ');
    expect(line).toContain('-preset veryfast -crf 25 -pix_fmt yuv420p');
    expect(line).toContain('-tune zerolatency -g 60 -maxrate 2976k -bufsize 5952k');
    expect(line).toContain('-f tee');
    expect(spec.output.target).toBe('[f=flv:flvflags=no_duration_filesize:flush_packets=1]unix:/tmp/jibri-ts-flv-x/encoder.sock');
    expect(line).not.toContain('-f mp4');
    expect(line).not.toMatch(/rtmps?:/);
  });

  it('adds the local copy as a second output of the same encode, which a broken channel does not stop', () => {
    const spec = encodeSpec(enc, src, [flvMuxer(channel), fileMuxer('/rec/s/a|b.mp4')], stream);
    const argv = toArgv(spec);
    const [flv, file] = spec.output.target.split(/(?<!\\)\|/);
    expect(flv).toBe('[f=flv:flvflags=no_duration_filesize:flush_packets=1:onfail=ignore]unix:/tmp/jibri-ts-flv-x/encoder.sock');
    expect(file).toBe('[f=mp4:movflags=+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1]/rec/s/a\\|b.mp4');
    expect(argv.filter((a) => a === '-i')).toHaveLength(2);
  });

  it('escapes the tee separators in targets', () => {
    expect(teeSlave({ f: 'flv' }, "rtmp://h/a/k'|\\x")).toBe("[f=flv]rtmp://h/a/k\\'\\|\\\\x");
  });
});

describe("ffmpeg output lines (Jibri's OutputParser rules)", () => {
  it.each([
    ['frame=   95 fps= 31 q=27.0 size=     584kB time=00:00:03.60 bitrate=1329.4kbits/s speed=1.19x', 'encoding'],
    ['frame=42', 'encoding'],
    ['Exiting normally, received signal 2.', 'finished'],
    ['Exiting normally, received signal 15.', 'error'],
    ['rtmp://a.rtmp.youtube.com/live2/key: Input/output error', 'error'],
    ['av_interleaved_write_frame(): Broken pipe', 'error'],
    ['Error writing trailer: No space left on device', 'error'],
    ['Past duration 0.622368 too large', 'other'],
    ['Input #0, x11grab, from \':0.0+0,0\':', 'other'],
    ['  Stream #0:0: Video: rawvideo (BGR[0] / 0x524742), bgr0, 1280x720, 884736 kb/s, 30 fps', 'other'],
    ['[libx264 @ 0x55d0] using cpu capabilities: MMX2 SSE2Fast SSSE3 SSE4.2 AVX FMA3 BMI2 AVX2', 'other'],
  ])('%s → %s', (line, kind) => {
    expect(parseFfmpegLine(line).kind).toBe(kind);
  });
  it('reads progress fields', () => {
    expect(parseFfmpegLine('frame=   95 fps= 31 q=27.0 size=     584kB time=00:00:03.60 bitrate=1329.4kbits/s dup=2 drop=1 speed=1.19x')).toEqual({ kind: 'encoding', frame: 95, fps: 31, speed: 1.19, dup: 2, drop: 1, timeSec: 3.6 });
  });
  it('classifies errors with their retry flag', () => {
    expect(parseFfmpegLine('rtmp://x/y: Input/output error')).toMatchObject({ code: 'ENCODER_EXITED', retryable: false });
    expect(parseFfmpegLine('No space left on device')).toMatchObject({ code: 'DISK_FULL' });
  });
});

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
    // No picture to follow: the sound is not moved, nor stretched.
    expect(argv[argv.indexOf('-itsoffset') + 1]).toBe('-1700000000.123');
    expect(argv[argv.indexOf('-af') + 1]).toBe(AUDIO_ONLY_FILTER);
    expect(AUDIO_ONLY_FILTER).toBe('aresample=async=1:min_hard_comp=0.5:first_pts=0');
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

  it('takes thumbnails from an ffmpeg of their own, grabbing the screen once a second, never from the shared encode', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.mp4'), thumbEntry]);
    expect(spec.output.target).toBe('/rec/s/room.mp4');
    expect(toArgv(spec)).not.toContain('/rec/s/thumbnails/thumb-%06d.jpg');
    const own = ownEncodeSpec(enc, ':5', thumbEntry);
    expect(own.inputs).toEqual([{ format: 'x11grab', options: ['-draw_mouse', '0', '-framerate', '1', '-video_size', '1280x722'], source: ':5.0+0,0' }]);
    // Its picture is the recorded one, without the frame clock's rows.
    expect(own.output).toEqual({ options: ['-map', '0:v', '-vf', 'crop=1280:720:0:0,fps=1/10,scale=640:-2', '-an', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '5', '-fps_mode', 'passthrough', '-atomic_writing', '1', '-f', 'image2'], target: '/rec/s/thumbnails/thumb-%06d.jpg' });
    expect(own.clock).toBeUndefined();
    expect(() => ownEncodeSpec(enc, ':5', fileMuxer('/rec/s/room.mp4'))).toThrow(/no encode of its own/);
  });

  it('gives an audio-only file beside video outputs the sound alone (tee select)', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.m4a', true), hlsEntry]);
    expect(toArgv(spec)).toContain('x11grab');
    expect(spec.output.target).toContain('select=a]/rec/s/room.m4a');
  });

  it('keeps an audio-only file audio only beside thumbnails: its ffmpeg captures no picture', () => {
    const spec = encodeSpec(enc, src, [fileMuxer('/rec/s/room.m4a', true), thumbEntry]);
    expect(spec.audioOnly).toBe(true);
    expect(spec.inputs.map((i) => i.format)).toEqual(['pulse']);
    expect(spec.output.target).toBe('/rec/s/room.m4a');
    expect(spec.output.options.slice(0, 2)).toEqual(['-map', '0:a']);
    expect(spec.output.options).toContain('-vn');
    expect(spec.output.options[spec.output.options.indexOf('-af') + 1]).toBe(AUDIO_ONLY_FILTER);
    // The sound follows no picture of its own: it is not moved.
    expect(spec.inputs[0]!.options[spec.inputs[0]!.options.indexOf('-itsoffset') + 1]).toBe('-1700000000.123');
  });

  it('refuses an encode with nothing but an own branch', () => {
    expect(() => encodeSpec(enc, src, [thumbEntry])).toThrow(/shared encode/);
  });
});
