/**
 * The tracks output with what a meeting page would hand it (recordings made by ffmpeg instead of
 * Chromium): files written as the pieces come, the manifest kept current, a page that sends too much cut
 * off, and at finalize the placement, speakers.vtt and tracks.mka.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLogger } from '../../../../lib/log';
import type { ParticipantAudioSource } from '../../../../lib/output/participant-audio';
import { TRACK_BYTE_LIMITS, TracksOutput } from '../../../../lib/output/tracks/tracks-output';
import type { TracksManifest } from '../../../../lib/output/tracks/tracks-timeline';

const log = createLogger('error', { silent: true });
const T0 = Date.now();

/** An Opus WebM of a tone that starts after `quietSec`, as one participant's recording. */
function recording(hz: number, quietSec: number): Buffer {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-tracks-rec-')), 'r.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=1`, '-af', `adelay=${quietSec * 1000}:all=1`, '-c:a', 'libopus', '-frame_duration', '60', file]);
  return fs.readFileSync(file);
}

async function opened(): Promise<{ out: TracksOutput; sessionDir: string; started: string[] }> {
  const sessionDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-tracks-out-'));
  const out = new TracksOutput('tracks-1', sessionDir, 'ffmpeg');
  const started: string[] = [];
  const source: ParticipantAudioSource = { start: async () => void started.push('start'), stop: async () => void started.push('stop') };
  out.attach(source);
  const entry = await out.open({ log, openFanOut: () => Promise.reject(new Error('no fan-out')), timeline: { originMs: T0, audioLatencyMs: 30, soundMoves: () => [{ atMs: 0, moveMs: 0 }] } });
  expect(entry).toBeUndefined();
  return { out, sessionDir, started };
}

const manifestOf = (dir: string): TracksManifest => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as TracksManifest;

describe('the tracks output', () => {
  it('writes each recording as it comes, and at finalize places it, names the speakers and combines the tracks', async () => {
    const { out, started } = await opened();
    expect(started).toEqual(['start']);
    expect(fs.readdirSync(out.dir)).toEqual(['manifest.json']);
    const ada = recording(330, 0.5);
    const bob = recording(610, 1.2);
    out.push({ kind: 'joined', participant: 'ada1', name: 'Ada', atMs: T0 + 10 });
    out.push({ kind: 'joined', participant: 'bob2', name: 'Bob', atMs: T0 + 20 });
    out.push({ kind: 'track-start', track: 1, participant: 'ada1', firstSampleAtMs: T0 + 100, atMs: T0 + 100 });
    out.push({ kind: 'track-start', track: 2, participant: 'bob2', firstSampleAtMs: T0 + 300, atMs: T0 + 300 });
    // In pieces, as MediaRecorder hands them over.
    for (let i = 0; i < ada.length; i += 1000) out.push({ kind: 'track-data', track: 1, data: ada.subarray(i, i + 1000), atMs: T0 + 400 });
    out.push({ kind: 'track-data', track: 2, data: bob, atMs: T0 + 400 });
    out.push({ kind: 'speaker', participant: 'ada1', atMs: T0 + 600 });
    out.push({ kind: 'track-data', track: 3, data: Buffer.from('stray'), atMs: T0 + 700 });
    out.push({ kind: 'left', participant: 'bob2', atMs: T0 + 2500 });
    out.push({ kind: 'track-end', track: 2, reason: 'left', atMs: T0 + 2510 });
    out.expectEnd();
    await out.finish();
    expect(started).toEqual(['start', 'stop']);
    expect(fs.readFileSync(path.join(out.dir, 'ada1-1.webm')).equals(ada)).toBe(true);
    await out.finalize(log);
    expect(fs.readdirSync(out.dir).sort()).toEqual(['ada1-1.webm', 'bob2-1.webm', 'manifest.json', 'speakers.vtt', 'tracks.mka']);
    const m = manifestOf(out.dir);
    expect(m.tracks.map((t) => [t.file, t.ended, t.alignedBy])).toEqual([
      ['ada1-1.webm', 'stopped', 'clock'],
      ['bob2-1.webm', 'left', 'clock'],
    ]);
    expect(m.tracks[1]!.offsetMs - m.tracks[0]!.offsetMs).toBeCloseTo(200, 0);
    expect(m).toMatchObject({ speakers: 'speakers.vtt', combined: 'tracks.mka', dropped: { 'pieces of unknown tracks': 1 } });
    expect([...fs.readFileSync(path.join(out.dir, 'speakers.vtt'), 'utf8').matchAll(/<v ([^>]+)>/g)].map((v) => v[1])).toEqual(['Ada', 'Bob']);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:stream_tags=title', '-of', 'csv=p=0', path.join(out.dir, 'tracks.mka')]).toString();
    expect(probe.trim().split('\n')).toEqual(['opus,Ada', 'opus,Bob']);
  });

  it('ends a track whose page sends more than Opus can make in the time, and goes on with the others', async () => {
    const { out } = await opened();
    out.push({ kind: 'track-start', track: 1, participant: 'loud', firstSampleAtMs: T0, atMs: T0 });
    out.push({ kind: 'track-start', track: 2, participant: 'calm', firstSampleAtMs: T0, atMs: T0 });
    const piece = Buffer.alloc(512 * 1024);
    for (let i = 0; i < 8; i++) out.push({ kind: 'track-data', track: 1, data: piece, atMs: T0 });
    out.push({ kind: 'track-data', track: 2, data: Buffer.from('ok'), atMs: T0 });
    await out.finish();
    const m = manifestOf(out.dir);
    expect(m.tracks.map((t) => [t.participant, t.ended])).toEqual([
      ['loud', 'too-large'],
      ['calm', 'stopped'],
    ]);
    expect(m.tracks[0]!.bytes).toBeLessThanOrEqual(TRACK_BYTE_LIMITS.burstBytes + TRACK_BYTE_LIMITS.bytesPerSecond * 5);
    expect(fs.statSync(path.join(out.dir, 'loud-1.webm')).size).toBe(m.tracks[0]!.bytes);
  });
});
