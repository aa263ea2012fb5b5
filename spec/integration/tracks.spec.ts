/**
 * Every speaker on their own track, on the real stack: the service records a four-participant stand-in
 * meeting (each participant a remote audio track of its own tone, through lib-jitsi-meet's surface) with a
 * file and a tracks output while participants join, leave, mute and speak in turn, and uploads it all to
 * the run's S3 server. One recording; each test checks one thing of what it left.
 *
 * @lane alone: measures where each participant's sound lands against the mix, to ±20 ms
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordingReadyEvent } from '../../lib/delivery/links';
import type { TracksManifest } from '../../lib/output/tracks/tracks-timeline';
import { runFfprobe } from '../../testkit/media';
import { startStandIn, type StandIn, type StandInParticipant } from '../../testkit/jitsi-standin/server';
import { createBucket, getText, listObjects, sharedS3, uploadEnv, type S3Server } from '../../testkit/s3';
import { decodeRecording, mixBeeps, pairBeeps, placedBeeps, toneLevels, type BeepPair, type Decoded } from '../../testkit/tracks';
import { post, startBody, startTestService, waitForSessionState, type TestService } from '../../testkit/service';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TONES: Record<string, number> = { ada: 330, grace: 470, alan: 610, edsger: 790, ghost: 1130 };
const NAMES: Record<string, string> = { ada: 'Ada Lovelace', grace: 'Grace Hopper', alan: 'Alan Turing', edsger: 'Edsger Dijkstra', ghost: 'Another Recorder' };
const SPEAKERS = ['ada', 'grace', 'alan', 'edsger'];
/** Who is heard, in order: Grace's turn while muted is not. */
const HEARD = ['ada', 'grace', 'alan', 'edsger', 'grace', 'ada', 'edsger'];

describe('the tracks output', () => {
  let standIn: StandIn;
  let s3: S3Server;
  let bucket: string;
  let svc: TestService;
  let dir: string;
  let mix: string;
  let manifest: TracksManifest;
  let ready: RecordingReadyEvent;
  /** The mix and each track, decoded once. */
  const decoded = new Map<string, Decoded>();
  const log = (line: string): boolean => process.stderr.write(`tracks: ${line}\n`);

  /** The meeting, driven through the stand-in: who is there now, and `turns` for joins, speech, a mute, a leave. */
  function meeting(room: string): { turns: () => Promise<void> } {
    const people: Record<string, StandInParticipant> = {};
    const set = (id: string, extra: Partial<StandInParticipant> = {}): void => {
      people[id] = { id, name: NAMES[id]!, identity: { user: { id: `u-${id}`, name: NAMES[id]! } }, toneHz: TONES[id]!, ...people[id], ...extra };
    };
    // Another recorder is in the meeting too, with an audio track: hidden, and never recorded.
    set('ghost', { hidden: true });
    SPEAKERS.forEach((id) => set(id));
    const present = new Set(['ada', 'grace', 'alan', 'ghost']);
    let dominant: string | null = null;
    const publish = (): void => standIn.setState(room, { participants: [...present].map((id) => people[id]!), dominantSpeaker: dominant });
    const speak = async (id: string): Promise<void> => {
      dominant = id;
      set(id, { speaking: true });
      publish();
      await sleep(700);
      set(id, { speaking: false });
      publish();
      await sleep(800);
    };
    publish();
    const turns = async (): Promise<void> => {
      await sleep(1500);
      for (const id of ['ada', 'grace', 'alan']) await speak(id);
      present.add('edsger');
      publish();
      await sleep(1000);
      await speak('edsger');
      set('grace', { audioMuted: true });
      publish();
      await sleep(600);
      await speak('grace');
      set('grace', { audioMuted: false });
      present.delete('alan');
      publish();
      await sleep(600);
      for (const id of ['grace', 'ada', 'edsger']) await speak(id);
    };
    return { turns };
  }

  beforeAll(async () => {
    // The run's S3 server is shared by every spec file that uploads; the first one starts it.
    const t0 = Date.now();
    s3 = await sharedS3();
    log(`S3 server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    bucket = await createBucket(s3, 'tracks');
    standIn = await startStandIn();
    svc = await startTestService(uploadEnv(s3, bucket));
    const room = 'tracks-room';
    const sessionId = 'tracks-session';
    const { turns } = meeting(room);
    const body = { ...startBody(standIn.baseUrl, sessionId), callParams: { callUrlInfo: { baseUrl: standIn.baseUrl, callName: room } }, outputs: [{ type: 'file' }, { type: 'tracks' }] };
    const readyEvent = new Promise<RecordingReadyEvent>((resolve) => svc.service.delivery.on('recording', (e) => e.sessionId === sessionId && resolve(e)));
    expect((await post(`${svc.api}/startService`, body)).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    const session = svc.service.recorder.getSession(sessionId)!;
    await turns();
    expect((await post(`${svc.api}/stopService`)).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'finished', 60_000);
    dir = path.join(session.paths.sessionDir, 'tracks');
    mix = session.mediaFile!;
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as TracksManifest;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no recording ready event within 60 s')), 60_000)));
    ready = await Promise.race([readyEvent, late]).finally(() => clearTimeout(timer));
    log(`recorded, finalized and uploaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const file of [mix, ...manifest.tracks.map((t) => path.join(dir, t.file))]) decoded.set(file, await decodeRecording(file));
  }, 150_000);

  afterAll(async () => {
    await svc?.stop();
    await standIn?.close();
  });

  it('has a track per visible participant, and the joins, leaves and mutes on the timeline', () => {
    expect(manifest.mix.file).toBe(path.basename(mix));
    expect(manifest.tracks.map((t) => [t.participant, t.file, t.name]).sort()).toEqual(SPEAKERS.map((id) => [id, `${id}-1.webm`, NAMES[id]]).sort());
    expect(manifest.tracks.every((t) => t.alignedBy === 'mix' && t.bytes > 0)).toBe(true);
    // Neither the hidden recorder nor the service's own participant.
    expect(manifest.participants.map((p) => p.id).sort()).toEqual([...SPEAKERS].sort());
    const track = (id: string): TracksManifest['tracks'][number] => manifest.tracks.find((t) => t.participant === id)!;
    expect(track('alan').leftMs).toEqual(expect.any(Number));
    expect(track('alan').endedMs!).toBeLessThan(track('ada').endedMs!);
    expect(track('edsger').joinedMs!).toBeGreaterThan(5000);
    expect(track('grace').mutes.map((m) => m.muted)).toEqual([true, false]);
    expect(manifest.dominantSpeakers.map((d) => d.participant)).toEqual(['ada', 'grace', 'alan', 'edsger', 'grace', 'ada', 'edsger']);
  });

  it("holds each participant's own tone and not the others' (at least 30 dB apart)", () => {
    for (const t of manifest.tracks) {
      const levels = toneLevels(decoded.get(path.join(dir, t.file))!.samples, SPEAKERS.map((id) => TONES[id]!).concat(TONES.ghost!));
      const own = levels[SPEAKERS.indexOf(t.participant)]!;
      const others = levels.filter((_, i) => i !== SPEAKERS.indexOf(t.participant));
      log(`${t.participant}'s own tone ${own.toFixed(1)} dB, the loudest other ${Math.max(...others).toFixed(1)} dB`);
      expect({ track: t.participant, apartDb: own - Math.max(...others) >= 30 }).toEqual({ track: t.participant, apartDb: true });
    }
  });

  it('places every beep of a track within ±20 ms of the same beep in the mix', () => {
    const mixOnsets = mixBeeps(decoded.get(mix)!);
    const pairs: BeepPair[] = [];
    for (const t of manifest.tracks) pairs.push(...pairBeeps(t, placedBeeps(decoded.get(path.join(dir, t.file))!), mixOnsets));
    pairs.sort((a, b) => a.mixSec - b.mixSec);
    log(`beeps (participant@mix s: track - mix ms) ${pairs.map((p) => `${p.participant}@${p.mixSec.toFixed(2)}:${p.offsetMs.toFixed(1)}`).join(' ')}`);
    expect(mixOnsets).toHaveLength(HEARD.length);
    expect(pairs.map((p) => p.participant)).toEqual(HEARD);
    for (const p of pairs) expect({ beep: `${p.participant}@${p.mixSec.toFixed(2)}`, within: Math.abs(p.offsetMs) <= 20 }).toEqual({ beep: `${p.participant}@${p.mixSec.toFixed(2)}`, within: true });
  });

  it('writes speakers.vtt with the speakers in order', () => {
    const vtt = fs.readFileSync(path.join(dir, 'speakers.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    const voices = [...vtt.matchAll(/<v ([^>]+)>/g)].map((m) => m[1]);
    expect(voices).toEqual(HEARD.map((id) => NAMES[id]));
  });

  it('makes tracks.mka, one Opus stream per participant', async () => {
    const { stdout } = await runFfprobe(['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:stream_tags=title', '-of', 'csv=p=0', path.join(dir, 'tracks.mka')]);
    const streams = stdout.trim().split('\n').map((l) => l.split(','));
    expect(streams.map((s) => s.slice(0, 2))).toEqual(SPEAKERS.map(() => ['opus', 'audio']));
    expect(streams.map((s) => s[2]).sort()).toEqual(SPEAKERS.map((id) => NAMES[id]).sort());
  });

  it('uploads the tracks with the recording, listed in its manifest and its ready event', async () => {
    const names = ['ada-1.webm', 'alan-1.webm', 'edsger-1.webm', 'grace-1.webm', 'speakers.vtt', 'tracks.mka', 'manifest.json'].map((n) => `tracks/${n}`);
    const keys = await listObjects(s3, bucket);
    for (const n of names) expect(keys).toContain(`tracks-session/${n}`);
    expect(ready.files.filter((f) => f.role === 'tracks').map((f) => f.name).sort()).toEqual([...names].sort());
    const recording = JSON.parse(await getText(s3, bucket, 'tracks-session/manifest.json')) as { files: Array<{ name: string; role: string }> };
    expect(recording.files.filter((f) => f.role === 'tracks').map((f) => f.name).sort()).toEqual([...names].sort());
    expect(JSON.parse(await getText(s3, bucket, 'tracks-session/tracks/manifest.json'))).toEqual(manifest);
  });
});
