/**
 * The output kinds behind one interface: which outputs a session gets, which requests are refused before
 * anything starts, Jibri's mode word, and each output's muxer entry in the one encode. Several outputs per
 * session and changes while live: the operator's extra outputs, every RTMP destination riding on the one
 * FLV entry, which failures end the session, and which outputs may be added and removed while it records
 * (destinations point at loopback ports nobody listens on, so each fails at once for real).
 */
import { audioOnlyFile, FileOutput, fileMuxer } from '../../../lib/output/file/file-output';
import { flvMuxer, RtmpChannel, RtmpOutput } from '../../../lib/output/rtmp/rtmp-output';
import { encodeSpec, toArgv } from '../../../lib/pipeline/encoder/ffmpeg-args';
import { redact } from '../../../lib/redact';
import { ConfigError, loadConfig } from '../../../lib/config';
import type { RecorderError } from '../../../lib/errors';
import { createLogger } from '../../../lib/log';
import type { Output } from '../../../lib/output/output';
import type { RtmpOutputRequest } from '../../../lib/output/rtmp/kind';
import { audioOnlySession, createOutputs, extraOutputsProblem, liveOutput, MAX_OUTPUTS, outputRefusal, removalRefusal, sessionMode, withExtraOutputs } from '../../../lib/output/outputs';
import { RtmpFanOut } from '../../../lib/output/rtmp/fan-out';
import type { TracksOutput } from '../../../lib/output/tracks/tracks-output';
import { freePort, waitFor } from '../../../testkit/service';

const plan = { mediaFile: '/rec/s/room.mp4', config: loadConfig({ JIBRI_STREAMING_RETRY_TIMEOUT: '60' }) };
const withLocalCopy = { ...plan, config: loadConfig({ JIBRI_STREAMING_RETRY_TIMEOUT: '60', JIBRI_STREAMING_LOCAL_COPY: 'true' }) };
const enc = { width: 1280, height: 720, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 4096, audioLatencyMs: 33 };
const src = { display: ':5', audioSource: 'sink.monitor', originMs: 0 };

describe('outputs', () => {
  it('makes one output per request, and the local copy of a stream only when configured', () => {
    expect(createOutputs([{ kind: 'file' }], plan).map((o) => [o.kind, o.id, o.mediaFile, o.live])).toEqual([['file', 'file-1', '/rec/s/room.mp4', false]]);
    const stream = { kind: 'rtmp' as const, rtmpUrl: 'rtmp://in.example/live/k1' };
    expect(createOutputs([stream], plan).map((o) => [o.kind, o.mediaFile, o.live])).toEqual([['rtmp', undefined, true]]);
    const withCopy = createOutputs([stream], withLocalCopy);
    expect(withCopy.map((o) => [o.kind, o.id, o.title])).toEqual([['rtmp', 'stream-1', 'stream to rtmp://in.example/live/****'], ['file', 'local-copy', 'a local copy']]);
    // A file request already writes the session's one media file: no second copy of it.
    expect(createOutputs([{ kind: 'file' }], withLocalCopy)).toHaveLength(1);
  });

  it('a stream output masks its key and credentials from the moment it exists', () => {
    const channel = new RtmpChannel({ retryTimeoutSec: 60 }, () => false);
    const out = new RtmpOutput('s', { kind: 'rtmp', rtmpUrl: 'rtmps://in.example/live/outputs-key-1', username: 'u1', password: 'outputs-pw-1' }, channel);
    expect(redact('rtmps://in.example/live/outputs-key-1 outputs-pw-1')).not.toMatch(/outputs-key-1|outputs-pw-1/);
    expect(out.summary()).toEqual({ kind: 'stream', shownAs: 'rtmps://in.example/live/****', link: { state: 'connecting', reconnects: 0 } });
    expect(new RtmpOutput('v', { kind: 'rtmp', rtmpUrl: 'rtmp://h/a/k', viewingUrl: 'https://watch/x' }, channel).presence).toEqual({ 'live-stream-view-url': 'https://watch/x' });
    expect(new FileOutput('f', '/rec/s/a.mp4').summary()).toEqual({ kind: 'file', shownAs: '/rec/s/a.mp4' });
  });

  it('refuses a malformed stream URL or one outside the allow-list, never quoting it', () => {
    expect(outputRefusal([{ kind: 'file' }], loadConfig({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://x/.*' }))).toBeUndefined();
    expect(outputRefusal([{ kind: 'rtmp', rtmpUrl: 'rtmp://host/onlyapp' }], loadConfig({}))).toMatchObject({ code: 'BAD_STREAM_URL', retryable: false });
    const denied = outputRefusal([{ kind: 'rtmp', rtmpUrl: 'rtmp://other/live/refusal-key' }], loadConfig({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://allowed/.*' }));
    expect(denied).toMatchObject({ code: 'STREAM_NOT_ALLOWED', retryable: false });
    expect(denied?.message).not.toContain('refusal-key');
    expect(outputRefusal([{ kind: 'rtmp', rtmpUrl: 'rtmp://allowed/live/k' }], loadConfig({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://allowed/.*' }))).toBeUndefined();
  });

  it("names a session's mode as Jibri does: stream when any output is live", () => {
    expect(sessionMode([{ kind: 'file' }])).toBe('file');
    expect(sessionMode([{ kind: 'rtmp', rtmpUrl: 'rtmp://h/a/k' }])).toBe('stream');
    expect(sessionMode([{ kind: 'file' }, { kind: 'rtmp', rtmpUrl: 'rtmp://h/a/k' }])).toBe('stream');
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

describe('outputs of the new kinds', () => {
  const plan = { mediaFile: '/rec/s/room_2024.mp4', sessionDir: '/rec/s', config: loadConfig({}) };

  it('makes an audio-only file an .m4a beside where the .mp4 would be', () => {
    expect(audioOnlyFile('/rec/s/room_2024.mp4')).toBe('/rec/s/room_2024.m4a');
    const [file] = createOutputs([{ kind: 'file', audioOnly: true }], plan);
    expect(file!.mediaFile).toBe('/rec/s/room_2024.m4a');
    expect(audioOnlySession([{ kind: 'file', audioOnly: true }])).toBe(true);
    expect(audioOnlySession([{ kind: 'file', audioOnly: true }, { kind: 'hls' }])).toBe(false);
    // The participants' tracks come from the page, not the capture: they need no picture.
    expect(audioOnlySession([{ kind: 'file', audioOnly: true }, { kind: 'tracks' }])).toBe(true);
    expect(audioOnlySession([{ kind: 'tracks' }])).toBe(false);
  });

  it('makes HLS and thumbnails in their folders of the session', () => {
    const outputs = createOutputs([{ kind: 'file' }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 5 }], plan);
    expect(outputs.map((o) => [o.id, o.kind, o.served?.dir])).toEqual([['file-1', 'file', undefined], ['hls-2', 'hls', '/rec/s/hls'], ['thumbnails-3', 'thumbnails', '/rec/s/thumbnails']]);
    expect(outputs.map((o) => o.live)).toEqual([false, false, false]);
  });

  it("makes the tracks output in tracks/ of the session, placed against the session's file (else its HLS)", () => {
    const [file, tracks] = createOutputs([{ kind: 'file' }, { kind: 'tracks' }], plan) as [Output, TracksOutput];
    expect([tracks.id, tracks.kind, tracks.live, tracks.participantAudio]).toEqual(['tracks-2', 'tracks', false, tracks]);
    expect(tracks.dir).toBe('/rec/s/tracks');
    expect(tracks.mix).toEqual({ name: 'room_2024.mp4', path: file.mediaFile });
    const [, hlsTracks] = createOutputs([{ kind: 'hls' }, { kind: 'tracks' }], plan) as [Output, TracksOutput];
    expect(hlsTracks.mix).toEqual({ path: '/rec/s/hls/index.m3u8' });
  });

  it('refuses a second file, HLS, thumbnails or tracks output, and tracks without a recording of the meeting beside them', () => {
    expect(outputRefusal([{ kind: 'hls' }, { kind: 'hls' }], loadConfig({}))?.message).toMatch(/at most one "hls"/);
    expect(outputRefusal([{ kind: 'file' }, { kind: 'tracks' }, { kind: 'tracks' }], loadConfig({}))?.message).toMatch(/at most one "tracks"/);
    expect(outputRefusal([{ kind: 'tracks' }, { kind: 'thumbnails', intervalSec: 10 }], loadConfig({}))).toMatchObject({ code: 'BAD_REQUEST', hint: 'Add {"type": "file"} to outputs' });
    expect(outputRefusal([{ kind: 'hls' }, { kind: 'tracks' }], loadConfig({}))).toBeUndefined();
    expect(outputRefusal([{ kind: 'file' }, { kind: 'file', audioOnly: true }], loadConfig({}))?.code).toBe('BAD_REQUEST');
    expect(outputRefusal([{ kind: 'file' }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 10 }], loadConfig({}))).toBeUndefined();
  });
});

const log = createLogger('error', { silent: true });


const rules = loadConfig({});

const stream = (url: string): RtmpOutputRequest => ({ kind: 'rtmp', rtmpUrl: url });

async function deadUrl(key: string): Promise<string> {
  return `rtmp://127.0.0.1:${await freePort()}/live/${key}`;
}

/** Opens a session's outputs as the pipeline does; returns the entries and the failures they report. */
async function open(outputs: Output[]): Promise<{ entries: unknown[]; failures: RecorderError[] }> {
  const failures: RecorderError[] = [];
  // The fan-out in this process, as a media worker runs it.
  const entries = await Promise.all(outputs.map((o) => o.open({ log, openFanOut: RtmpFanOut.opener, timeline: { originMs: Date.now(), audioLatencyMs: 0, soundMoves: () => [{ atMs: 0, moveMs: 0 }] } })));
  for (const o of outputs) o.on('failure', (e) => failures.push(e));
  return { entries, failures };
}

const finish = (outputs: readonly Output[]): Promise<unknown> => Promise.all(outputs.map((o) => (o.expectEnd(), o.finish())));

const linkState = (o: Output): string | undefined => o.summary().link?.state;

describe('outputs of a session', () => {
  it('refuses a list no recorder could serve: empty, too long, two files, one URL twice', () => {
    expect(outputRefusal([], rules)?.message).toMatch(/at least one output/);
    expect(outputRefusal(Array.from({ length: MAX_OUTPUTS + 1 }, (_, i) => stream(`rtmp://h/live/k${i}`)), rules)?.message).toMatch(/at most 10/);
    expect(outputRefusal([{ kind: 'file' }, { kind: 'file' }], rules)?.message).toMatch(/at most one "file" output/);
    const twice = outputRefusal([stream('rtmp://h/live/twice-key'), stream('rtmp://h/live/twice-key')], rules);
    expect(twice).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
    expect(twice?.message).not.toContain('twice-key');
    expect(outputRefusal([{ kind: 'file' }, stream('rtmp://a/live/k'), stream('rtmps://b/live/k')], rules)).toBeUndefined();
  });

  it("checks the operator's extra outputs at start-up and adds each kind once", () => {
    expect(extraOutputsProblem(['file', 'hls', 'thumbnails'])).toBeUndefined();
    expect(extraOutputsProblem(['hls', 'smoke-signal'])).toBe('JIBRI_EXTRA_OUTPUTS: "smoke-signal" is not an output kind this recorder has (it has: file, hls, thumbnails, tracks)');
    expect(extraOutputsProblem(['rtmp'])).toMatch(/needs a URL per session/);
    expect(withExtraOutputs([stream('rtmp://a/live/k')], ['file'])).toEqual([stream('rtmp://a/live/k'), { kind: 'file' }]);
    expect(withExtraOutputs([{ kind: 'file' }], ['file', 'hls', 'thumbnails'])).toEqual([{ kind: 'file' }, { kind: 'hls' }, { kind: 'thumbnails', intervalSec: 10 }]);
    // Every session, Jicofo's included, with each participant's sound beside its recording or stream.
    expect(withExtraOutputs([stream('rtmp://a/live/k')], ['tracks'])).toEqual([stream('rtmp://a/live/k'), { kind: 'tracks' }]);
    expect(loadConfig({ JIBRI_EXTRA_OUTPUTS: ' HLS, thumbnails,hls ' }).extraOutputs).toEqual(['hls', 'thumbnails']);
    expect(loadConfig({}).extraOutputs).toEqual([]);
    expect(() => loadConfig({ JIBRI_EXTRA_OUTPUTS: 'file,<script>' })).toThrow(ConfigError);
  });

  it('gives every RTMP destination one FLV entry of the encode, with ids the API uses', async () => {
    const outputs = createOutputs([{ kind: 'file' }, stream(await deadUrl('e1')), stream(await deadUrl('e2'))], plan);
    expect(outputs.map((o) => o.id)).toEqual(['file-1', 'stream-2', 'stream-3']);
    const { entries } = await open(outputs);
    expect(entries.map((e) => (e as { options?: { f?: string } } | undefined)?.options?.f)).toEqual(['mp4', 'flv', undefined]);
    await finish(outputs);
  });

  it('a destination failing never ends a session that records a file; the last one ends a stream-only session', async () => {
    const withFile = createOutputs([{ kind: 'file' }, stream(await deadUrl('f1')), stream(await deadUrl('f2'))], plan);
    const recorded = await open(withFile);
    await waitFor('both links failed', () => (withFile.slice(1).every((o) => linkState(o) === 'failed') ? true : undefined), 5000);
    expect(recorded.failures).toEqual([]);
    expect(withFile[1]!.summary().link).toMatchObject({ state: 'failed', error: expect.stringContaining('could not be reached') });
    await finish(withFile);

    // Jibri's one stream (with its local copy, which follows the stream): its failure is the session's.
    const alone = createOutputs([stream(await deadUrl('a1'))], withLocalCopy);
    const single = await open(alone);
    await waitFor('the failure', () => single.failures[0], 5000);
    expect(single.failures[0]).toMatchObject({ code: 'STREAM_UNREACHABLE' });
    await finish(alone);
  });

  it('adds RTMP destinations live only to a recording stream channel, never a second URL or another kind', async () => {
    const fileOnly = createOutputs([{ kind: 'file' }], plan);
    expect(liveOutput(stream('rtmp://a/live/k'), fileOnly, fileOnly, rules)).toMatchObject({ ok: false, error: { code: 'OUTPUT_CHANGE_REFUSED', message: 'This session has no stream to add a destination to' } });

    const first = await deadUrl('l1');
    const outputs = createOutputs([{ kind: 'file' }, stream(first)], plan);
    expect(liveOutput(stream('rtmp://a/live/k'), outputs, outputs, rules)).toMatchObject({ ok: false, error: { message: 'The session is not recording yet' } });
    await open(outputs);
    expect(liveOutput({ kind: 'file' }, outputs, outputs, rules)).toMatchObject({ ok: false, error: { code: 'OUTPUT_CHANGE_REFUSED' } });
    expect(liveOutput(stream(first), outputs, outputs, rules)).toMatchObject({ ok: false, error: { message: 'The session already streams to this URL' } });
    expect(liveOutput(stream('rtmp://other/live/k'), outputs, outputs, loadConfig({ JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://allowed/.*' }))).toMatchObject({ ok: false, error: { code: 'STREAM_NOT_ALLOWED' } });
    const added = liveOutput(stream(await deadUrl('l2')), outputs, outputs, rules);
    expect(added.ok && added.output.id).toBe('stream-3');
    if (added.ok) outputs.push(added.output);
    await waitFor('the added link to fail', () => (linkState(outputs[2]!) === 'failed' ? true : undefined), 5000);
    await finish(outputs);
  });

  it('removes a destination while something else works; never the file, nor the last working output', async () => {
    const withFile = createOutputs([{ kind: 'file' }, stream(await deadUrl('r1'))], plan);
    await open(withFile);
    expect(removalRefusal(withFile[0]!)).toMatchObject({ code: 'OUTPUT_CHANGE_REFUSED', message: expect.stringContaining('recording cannot be removed') });
    expect(removalRefusal(withFile[1]!)).toBeUndefined();
    await finish(withFile);

    const streams = createOutputs([stream(await deadUrl('r2')), stream(await deadUrl('r3'))], plan) as RtmpOutput[];
    await open(streams);
    // Each fails at once (nobody listens): once both have, neither is a working output to keep.
    await waitFor('both failed', () => (streams.every((o) => linkState(o) === 'failed') ? true : undefined), 5000);
    expect(removalRefusal(streams[0]!)).toMatchObject({ message: 'This is the last working output of the session' });
    await finish(streams);
  });
});
