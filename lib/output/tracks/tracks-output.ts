/**
 * The tracks output: each visible remote participant's sound on its own, as the meeting page records it
 * (lib/meeting/audio-tap.ts), in `tracks/` of the session folder: one Opus-in-WebM file per participant and
 * join, written piece by piece as the page hands them over (a second each), so a crash loses at
 * most the last piece; `manifest.json` beside them places every file on the mixed recording's timeline
 * (rewritten as things happen). When the session is finalized: `speakers.vtt` and `tracks.mka`.
 *
 * It takes nothing of the encode (open() gives no muxer entry) and so rides beside an output that records
 * the mix: a file, a stream or HLS. What the page sends is bounded here too: the number of tracks, the
 * bytes a track may grow by (more than Opus can make in the time), the bytes of the whole session.
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../log';
import type { MuxerEntry, OpenContext, Output, OutputEvents, OutputSummary } from '../output';
import type { MixTimeline, ParticipantAudioEvent, ParticipantAudioSink, ParticipantAudioSource } from '../participant-audio';
import { alignTracks, type AlignedTrack } from './align-tracks';
import { buildCombined, type CombinedStream } from './combined-mka';
import { speakerCues, speakersVtt } from './speakers-vtt';
import { freeTracksDir } from './tracks-files';
import { COMBINED_MKA, SPEAKERS_VTT, TRACKS_MANIFEST } from './track-names';
import { clockOffsetMs, TracksTimeline, type MixPlacement, type TrackRecord, type TracksManifest } from './tracks-timeline';
import { writeFileAtomically } from '../atomic-file';

export const TRACK_BYTE_LIMITS = {
  /** What a track may hold beyond its time's worth: the WebM header and a burst. */
  burstBytes: 2 * 1024 * 1024,
  /** Opus' highest rate, 510 kbit/s, rounded up. */
  bytesPerSecond: 64 * 1024,
  /** The whole session's tracks (a long meeting of many people at 32 kbit/s each is far below). */
  sessionBytes: 4 * 1024 * 1024 * 1024,
} as const;

/** How often the manifest is rewritten while recording, when something changed. */
const MANIFEST_EVERY_MS = 5000;

interface Writer {
  stream: fs.WriteStream;
  startedAt: number;
  failed: boolean;
  closed: Promise<void>;
}

export class TracksOutput extends EventEmitter<OutputEvents> implements Output, ParticipantAudioSink {
  readonly kind = 'tracks';
  readonly live = false;
  readonly title = "each participant's sound";
  readonly presence = {};
  readonly participantAudio: ParticipantAudioSink = this;
  /** The session's own recording of the mix, when it has one (set by its kind.ts once the session's outputs are made): named in the manifest, and measured against. */
  mix: { name?: string; path: string } | undefined;
  private readonly model = new TracksTimeline();
  private readonly writers = new Map<number, Writer>();
  /** Every file's close, ended or not: finish() waits for all of them before anything reads the files. */
  private readonly closing: Array<Promise<void>> = [];
  private source: ParticipantAudioSource | undefined;
  private timeline: MixTimeline | undefined;
  private log: Logger | undefined;
  private dirName: string | undefined;
  private sessionBytes = 0;
  private changed = false;
  private manifestTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private finished = false;
  private readonly warned = new Set<string>();

  constructor(
    readonly id: string,
    private readonly sessionDir: string,
    private readonly ffmpegBinary: string,
  ) {
    super();
  }

  /** The folder, once opened (tracks/, or tracks-N/ for a second recording of the same session id). */
  get dir(): string {
    return path.join(this.sessionDir, this.dirName ?? freeTracksDir(this.sessionDir));
  }

  attach(source: ParticipantAudioSource): void {
    this.source = source;
  }

  async open({ log, timeline }: OpenContext): Promise<MuxerEntry | undefined> {
    this.log = log;
    this.timeline = timeline;
    this.dirName = freeTracksDir(this.sessionDir);
    fs.mkdirSync(this.dir, { recursive: true });
    this.writeManifest();
    this.manifestTimer = setInterval(() => this.changed && this.writeManifest(), MANIFEST_EVERY_MS);
    this.manifestTimer.unref();
    if (this.source) await this.source.start();
    else log.warn("no participant's sound can be recorded on its own in this page; tracks/ stays empty", { component: 'tracks' });
    return undefined;
  }

  push(e: ParticipantAudioEvent): void {
    if (this.finished) return;
    switch (e.kind) {
      case 'joined':
        this.model.joined(e.participant, e.name, e.atMs);
        break;
      case 'left':
        this.model.left(e.participant, e.atMs);
        break;
      case 'renamed':
        this.model.renamed(e.participant, e.name);
        break;
      case 'muted':
        this.model.muted(e.participant, e.muted, e.atMs);
        break;
      case 'speaker':
        this.model.speaker(e.participant, e.atMs);
        break;
      case 'track-start':
        this.startTrack(e.track, e.participant, e.firstSampleAtMs);
        break;
      case 'track-data':
        this.write(e.track, e.data);
        return;
      case 'track-end':
        this.endTrack(e.track, e.reason, e.atMs);
        break;
    }
    this.changed = true;
  }

  private startTrack(number: number, participant: string, firstSampleAtMs: number): void {
    const track = this.model.trackStarted(number, participant, firstSampleAtMs);
    if (typeof track === 'string') return this.warnOnce(track, `a track of participant ${participant} is not recorded: too many ${track}`);
    const file = path.join(this.dir, track.file);
    const stream = fs.createWriteStream(file, { flags: 'wx' });
    const writer: Writer = { stream, startedAt: Date.now(), failed: false, closed: new Promise((resolve) => stream.once('close', () => resolve())) };
    stream.on('error', (err: NodeJS.ErrnoException) => {
      writer.failed = true;
      this.warnOnce(`write-${err.code ?? 'error'}`, `cannot write ${file} (${err.code ?? err.message}): that track ends here${err.code === 'ENOSPC' ? '; free space in JIBRI_RECORDING_DIR' : ''}`);
    });
    this.writers.set(number, writer);
    this.closing.push(writer.closed);
    this.log?.info(`recording the sound of participant ${participant} to ${track.file}`, { component: 'tracks' });
  }

  private write(number: number, data: Buffer): void {
    const track = this.model.openTrack(number);
    const writer = this.writers.get(number);
    if (!track || !writer) return void this.model.drop('pieces of unknown tracks');
    if (writer.failed) return;
    const allowed = TRACK_BYTE_LIMITS.burstBytes + ((Date.now() - writer.startedAt) / 1000) * TRACK_BYTE_LIMITS.bytesPerSecond;
    if (track.bytes + data.length > allowed || this.sessionBytes + data.length > TRACK_BYTE_LIMITS.sessionBytes) {
      this.warnOnce('too-large', `the page sent more sound for ${track.file} than Opus makes in the time: that track ends here`);
      this.endTrack(number, 'too-large', Date.now());
      return;
    }
    track.bytes += data.length;
    this.sessionBytes += data.length;
    writer.stream.write(data);
  }

  private endTrack(number: number, reason: string, atMs: number): TrackRecord | undefined {
    const track = this.model.trackEnded(number, reason, atMs);
    const writer = this.writers.get(number);
    this.writers.delete(number);
    writer?.stream.end();
    if (track) this.log?.info(`the recording ${track.file} ended (${reason}), ${track.bytes} bytes`, { component: 'tracks' });
    return track;
  }

  summary(): OutputSummary {
    return { kind: 'tracks', shownAs: this.dir };
  }

  expectEnd(): void {
    this.stopping ??= this.source?.stop() ?? Promise.resolve();
  }

  /** The page's recordings end with the mix; every file is closed and the manifest written. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.expectEnd();
    await this.stopping;
    this.finished = true;
    for (const t of this.model.openTracks) this.endTrack(t.number, 'stopped', Date.now());
    await Promise.all(this.closing);
    if (this.manifestTimer) clearInterval(this.manifestTimer);
    if (this.dirName) this.writeManifest();
  }

  /** Each track placed on the mix, speakers.vtt and tracks.mka; then the final manifest. Never rejects. */
  async finalize(log: Logger): Promise<void> {
    if (!this.dirName || !this.timeline) return;
    await this.finish();
    const files: { speakers?: string; combined?: string } = {};
    try {
      const recorded = this.model.tracks.filter((t) => t.bytes > 0);
      const placement = this.placement();
      const aligned = await alignTracks(
        recorded.map((t) => ({ file: t.file, clockOffsetMs: clockOffsetMs(t, placement) })),
        { ffmpegBinary: this.ffmpegBinary, dir: this.dir, soundMoves: placement.soundMoves, log, ...(this.mix ? { mixPath: this.mix.path } : {}) },
      );
      for (const t of recorded) {
        const a = aligned.get(t.file);
        if (a) t.aligned = { offsetMs: a.offsetMs, alignedBy: a.alignedBy, gapsMs: a.gapsMs };
      }
      const manifest = this.manifest();
      this.writeSpeakers(manifest, aligned);
      files.speakers = SPEAKERS_VTT;
      const streams = combinedStreams(manifest);
      if (streams.length) {
        const built = await buildCombined(this.ffmpegBinary, this.dir, COMBINED_MKA, streams);
        if (built === true) files.combined = COMBINED_MKA;
        else log.warn(`could not build ${COMBINED_MKA}: ${built}; the tracks are there one by one`, { component: 'tracks' });
      }
    } catch (err) {
      log.warn(`finishing the tracks failed: ${(err as Error).message}; the tracks and their manifest are there`, { component: 'tracks' });
    }
    this.writeManifest(files);
    log.info(`tracks: ${this.model.tracks.length} recording(s) of ${this.model.participants.size} participant(s) in ${this.dir}`, { component: 'tracks' });
  }

  /** speakers.vtt from each participant's voice (as placed on the mix) and the dominant speakers. */
  private writeSpeakers(manifest: TracksManifest, aligned: ReadonlyMap<string, AlignedTrack>): void {
    const voices = manifest.participants.map((p) => {
      const read = manifest.tracks.filter((t) => t.participant === p.id).flatMap((t) => aligned.get(t.file)?.voice ?? []);
      const any = manifest.tracks.some((t) => t.participant === p.id && aligned.get(t.file)?.voice);
      return { participant: p.id, name: p.name, voice: any ? read : undefined };
    });
    const ends = manifest.tracks.map((t) => (t.endedMs ?? 0) / 1000);
    const cues = speakerCues(voices, manifest.dominantSpeakers.map((d) => ({ atSec: d.atMs / 1000, participant: d.participant })), Math.max(0, ...ends));
    writeFileAtomically(path.join(this.dir, SPEAKERS_VTT), speakersVtt(cues));
  }

  private placement(): MixPlacement {
    const t = this.timeline;
    return { originMs: t?.originMs ?? Date.now(), audioLatencyMs: t?.audioLatencyMs ?? 0, soundMoves: t?.soundMoves() ?? [{ atMs: 0, moveMs: 0 }] };
  }

  private manifest(files: { speakers?: string; combined?: string } = {}): TracksManifest {
    return this.model.manifest(this.placement(), { ...(this.mix?.name ? { media: this.mix.name } : {}), ...files });
  }

  private writeManifest(files: { speakers?: string; combined?: string } = {}): void {
    this.changed = false;
    try {
      writeFileAtomically(path.join(this.dir, TRACKS_MANIFEST), `${JSON.stringify(this.manifest(files), null, 2)}\n`);
    } catch (err) {
      this.warnOnce('manifest', `cannot write ${path.join(this.dir, TRACKS_MANIFEST)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log?.warn(`${message} (logged once)`, { component: 'tracks' });
  }
}

/** The participants' recordings that hold something, as streams of the combined file, in joining order. */
export function combinedStreams(manifest: TracksManifest): CombinedStream[] {
  return manifest.participants
    .map((p) => ({
      participant: p.id,
      name: p.name,
      pieces: manifest.tracks.filter((t) => t.participant === p.id && t.bytes > 0).map((t) => ({ file: t.file, offsetSec: t.offsetMs / 1000 })),
    }))
    .filter((s) => s.pieces.length > 0);
}
