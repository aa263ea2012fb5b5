/**
 * The tracks output's files: names that never carry a display name, the folder of each recording and
 * what goes with it, the timeline in manifest.json, speakers.vtt, and the combined file's command line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { combinedArgv, concatList } from '../../../../lib/output/tracks/combined-mka';
import { speakerCues, speakersVtt, vttTime } from '../../../../lib/output/tracks/speakers-vtt';
import { fileIdOf, isTracksFile, isTracksPath, trackFileName } from '../../../../lib/output/tracks/track-names';
import { freeTracksDir, tracksOfRecording } from '../../../../lib/output/tracks/tracks-files';
import { clockOffsetMs, FIRST_SAMPLE_MS, TIMELINE_LIMITS, TracksTimeline } from '../../../../lib/output/tracks/tracks-timeline';
import { voiceSegments } from '../../../../lib/output/tracks/voice-activity';

describe('track file names', () => {
  it('come from the endpoint id, cleaned, with a hash when cleaning changed it', () => {
    expect(trackFileName('a1b2c3d4', 1)).toBe('a1b2c3d4-1.webm');
    expect(trackFileName('a1b2c3d4', 2)).toBe('a1b2c3d4-2.webm');
    expect(fileIdOf('../../etc/passwd')).toMatch(/^______etc_passwd-[0-9a-f]{8}$/);
    expect(fileIdOf('a/b')).not.toBe(fileIdOf('a_b'));
    expect(fileIdOf('x'.repeat(300))).toHaveLength(48 + 9);
    expect(fileIdOf('')).toMatch(/^participant-/);
  });

  it("are the only names the delivery takes from a tracks folder", () => {
    for (const name of ['manifest.json', 'speakers.vtt', 'tracks.mka', 'a1b2c3d4-1.webm']) expect(isTracksFile(name)).toBe(true);
    for (const name of ['notes.txt', '.manifest.json.tmp', '../x-1.webm', 'a b-1.webm']) expect(isTracksFile(name)).toBe(false);
    expect(isTracksPath('tracks/a-1.webm')).toBe(true);
    expect(isTracksPath('tracks-2/speakers.vtt')).toBe(true);
    for (const name of ['tracks/../a-1.webm', 'tracks/sub/a-1.webm', 'other/a-1.webm', 'tracks', 'tracks/']) expect(isTracksPath(name)).toBe(false);
  });
});

describe('tracks folders', () => {
  const session = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-tracks-files-'));

  it('gives a second recording of the session a folder of its own', () => {
    const dir = session();
    expect(freeTracksDir(dir)).toBe('tracks');
    fs.mkdirSync(path.join(dir, 'tracks'));
    expect(freeTracksDir(dir)).toBe('tracks');
    fs.writeFileSync(path.join(dir, 'tracks', 'manifest.json'), '{}');
    expect(freeTracksDir(dir)).toBe('tracks-2');
  });

  it("finds the tracks of a recording by their manifest, its own files only, the manifest last", () => {
    const dir = session();
    const write = (folder: string, media: string, files: string[]): void => {
      fs.mkdirSync(path.join(dir, folder));
      fs.writeFileSync(path.join(dir, folder, 'manifest.json'), JSON.stringify({ mix: { file: media } }));
      for (const f of files) fs.writeFileSync(path.join(dir, folder, f), 'x');
    };
    write('tracks', 'room_1.mp4', ['b-1.webm', 'a-10.webm', 'a-2.webm', 'speakers.vtt', 'notes.txt']);
    write('tracks-2', 'room_2.mp4', ['c-1.webm']);
    expect(tracksOfRecording(dir, 'room_1.mp4').map((f) => f.name)).toEqual(['tracks/a-2.webm', 'tracks/a-10.webm', 'tracks/b-1.webm', 'tracks/speakers.vtt', 'tracks/manifest.json']);
    expect(tracksOfRecording(dir, 'room_2.mp4')).toEqual([{ name: 'tracks-2/c-1.webm', path: path.join(dir, 'tracks-2', 'c-1.webm') }, { name: 'tracks-2/manifest.json', path: path.join(dir, 'tracks-2', 'manifest.json') }]);
    expect(tracksOfRecording(dir, 'room_3.mp4')).toEqual([]);
    expect(tracksOfRecording(path.join(dir, 'missing'), 'room_1.mp4')).toEqual([]);
  });
});

describe('the timeline', () => {
  const mix = { originMs: 1_000_000, audioLatencyMs: 30, soundMoves: [{ atMs: 0, moveMs: 33.3 }] };

  it('places a track by the clocks: its start, the first sample, the sound path and the move in force', () => {
    const t = { number: 1, file: 'a-1.webm', participant: 'a', firstSampleAtMs: 1_002_000, bytes: 0 };
    expect(clockOffsetMs(t, mix)).toBeCloseTo(2000 + FIRST_SAMPLE_MS + 30 + 33.3, 5);
    // A move from 1 s on applies to a track that starts after it.
    expect(clockOffsetMs(t, { ...mix, soundMoves: [...mix.soundMoves, { atMs: 1000, moveMs: 50 }] })).toBeCloseTo(2000 + FIRST_SAMPLE_MS + 30 + 50, 5);
  });

  it('keeps joins, leaves, mutes and dominant speakers, and writes them on the mix timeline', () => {
    const tl = new TracksTimeline();
    tl.joined('a', 'Ada', 1_000_100);
    tl.joined('b', 'Bob', 1_000_200);
    expect(tl.trackStarted(1, 'a', 1_000_150)).toMatchObject({ file: 'a-1.webm' });
    tl.muted('a', true, 1_001_000);
    tl.muted('a', true, 1_001_100);
    tl.muted('a', false, 1_002_000);
    tl.speaker('a', 1_000_500);
    tl.speaker('a', 1_000_600);
    tl.speaker('nobody', 1_000_700);
    tl.speaker('b', 1_000_800);
    tl.openTrack(1)!.bytes = 10;
    tl.left('a', 1_003_000);
    tl.trackEnded(1, 'left', 1_003_010);
    tl.joined('a', 'Ada L.', 1_004_000);
    expect(tl.trackStarted(1, 'a', 1_004_000)).toBe('track numbers used twice');
    expect(tl.trackStarted(2, 'a', 1_004_050)).toMatchObject({ file: 'a-2.webm' });
    const m = tl.manifest(mix, { media: 'room.mp4' });
    expect(m.mix).toEqual({ startedAt: new Date(1_000_000).toISOString(), originMs: 1_000_000, file: 'room.mp4' });
    expect(m.tracks.map((t) => [t.file, t.name, t.joinedMs, t.leftMs, t.endedMs, t.ended, t.alignedBy, t.mutes.length])).toEqual([
      ['a-1.webm', 'Ada L.', 100, 3000, 3010, 'left', null, 2],
      ['a-2.webm', 'Ada L.', 4000, null, null, null, null, 0],
    ]);
    expect(m.participants.find((p) => p.id === 'a')!.joins).toEqual([{ joinedMs: 100, leftMs: 3000 }, { joinedMs: 4000, leftMs: null }]);
    expect(m.dominantSpeakers).toEqual([
      { atMs: 500, participant: 'a', name: 'Ada L.' },
      { atMs: 700, participant: null, name: null },
      { atMs: 800, participant: 'b', name: 'Bob' },
    ]);
    expect(m.dropped).toEqual({ 'track numbers used twice': 1 });
  });

  it('bounds what a page can make it keep', () => {
    const tl = new TracksTimeline();
    for (let i = 1; i <= TIMELINE_LIMITS.maxOpenTracks + 1; i++) tl.trackStarted(i, `p${i}`, 0);
    expect(tl.openTracks).toHaveLength(TIMELINE_LIMITS.maxOpenTracks);
    expect(tl.dropped).toEqual({ 'tracks open at once': 1 });
  });
});

describe('voice activity', () => {
  it('finds stretches of voice above the track’s quiet, bridging short pauses and dropping blips', () => {
    const levels = Array.from({ length: 200 }, (_, i) => {
      const t = i * 0.05;
      const loud = (t >= 1 && t < 2) || (t >= 2.3 && t < 3) || (t >= 6 && t < 6.1) || (t >= 8 && t < 9);
      return { atSec: t, db: loud ? -20 : -70 };
    });
    expect(voiceSegments(levels).map((s) => [s.startSec, s.endSec].map((v) => Math.round(v * 100) / 100))).toEqual([
      [1, 3],
      [8, 9],
    ]);
    expect(voiceSegments([])).toEqual([]);
  });
});

describe('speakers.vtt', () => {
  it('has a cue per stretch of voice, the dominant speaker for a participant without a readable track', () => {
    const cues = speakerCues(
      [
        { participant: 'a', name: 'Ada', voice: [{ startSec: 1, endSec: 2 }, { startSec: 5, endSec: 6 }] },
        { participant: 'b', name: 'Bob <admin>', voice: undefined },
        { participant: 'c', name: '', voice: [] },
      ],
      [
        { atSec: 2.5, participant: 'b' },
        { atSec: 4, participant: 'a' },
        { atSec: 8, participant: 'b' },
        { atSec: 8.5, participant: 'a' },
      ],
      10,
    );
    expect(cues.map((c) => [c.participant, c.startSec, c.endSec])).toEqual([
      ['a', 1, 2],
      ['b', 2.5, 4],
      ['a', 5, 6],
    ]);
    expect(speakersVtt(cues)).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ada>Ada</v>\n\n00:00:02.500 --> 00:00:04.000\n<v Bob &lt;admin&gt;>Bob &lt;admin&gt;</v>\n\n00:00:05.000 --> 00:00:06.000\n<v Ada>Ada</v>\n',
    );
    expect(vttTime(3723.4567)).toBe('01:02:03.457');
    expect(speakersVtt([])).toBe('WEBVTT\n');
  });
});

describe('tracks.mka', () => {
  it("copies each participant's recordings into one stream each, at their offsets, titled by name", () => {
    const argv = combinedArgv(
      [
        { participant: 'a', name: 'Ada', pieces: [{ file: '/t/a-1.webm', offsetSec: 0.12 }] },
        { participant: 'b', name: 'Bob\nB', pieces: [{ file: '/t/b-1.webm', offsetSec: 3 }, { file: '/t/b-2.webm', offsetSec: 9.5 }] },
      ],
      '/t/.tracks.mka.tmp',
      (i) => `/t/.concat-${i}.txt`,
    );
    expect(argv.join(' ')).toBe(
      '-v error -nostdin -y -itsoffset 0.120 -i /t/a-1.webm -itsoffset 3.000 -f concat -safe 0 -i /t/.concat-1.txt -map 0:a:0 -map 1:a:0 -c copy ' +
        '-metadata:s:a:0 title=Ada -metadata:s:a:0 participant=a -metadata:s:a:1 title=Bob B -metadata:s:a:1 participant=b -f matroska /t/.tracks.mka.tmp',
    );
    expect(concatList([{ file: 'b-1.webm', offsetSec: 3 }, { file: 'b-2.webm', offsetSec: 9.5 }])).toBe("ffconcat version 1.0\nfile 'b-1.webm'\nduration 6.500\noutpoint 6.500\nfile 'b-2.webm'\n");
  });
});
