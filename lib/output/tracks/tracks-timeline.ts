/**
 * Pure: what the meeting page reported about its participants' sound, kept in order (joins, leaves, names,
 * mutes, dominant speakers, each recorded track), with the bounds that keep a hostile page from growing it
 * without end, and the manifest (`tracks/manifest.json`) that places all of it on the mix's timeline.
 *
 * Placing a track, by the clocks: its recording started at page time `firstSampleAtMs`; its file's zero is
 * the sound the page played FIRST_SAMPLE_MS after that. The capture stamps a sound `audioLatencyMs` after
 * the page played it, and the mix moves its sound later to follow the picture (the move in force then);
 * the mix's zero is `originMs`. So the file's zero is at
 *   clockOffsetMs = firstSampleAtMs + FIRST_SAMPLE_MS + audioLatencyMs + move - originMs
 * of the mix. That is the manifest's offset while the session records; when it is finalized, each track is
 * measured against the mix where its participant spoke and its packet times rewritten (align-tracks.ts),
 * and the manifest gives that place.
 */
import type { SoundMove } from '../participant-audio';
import { trackFileName } from './track-names';

/**
 * From the recorder's start to the sound its file begins with, as the mix has it: the median of what the
 * alignment measured with the stand-in meeting (docs/TRACKS.md), whose spread on a loaded host is why
 * tracks are measured against the mix.
 */
export const FIRST_SAMPLE_MS = 56;

export const TIMELINE_LIMITS = {
  /** Track files per session (one per participant and join, more when a track is handed to another). */
  maxTracks: 256,
  /** Recordings open at once. */
  maxOpenTracks: 64,
  maxParticipants: 512,
  /** Joins, mutes, dominant-speaker changes: each list. */
  maxEvents: 20_000,
} as const;

export interface ParticipantRecord {
  id: string;
  name: string;
  joins: Array<{ atMs: number; leftAtMs?: number }>;
  mutes: Array<{ atMs: number; muted: boolean }>;
}

export interface TrackRecord {
  /** The page's number for it. */
  number: number;
  file: string;
  participant: string;
  firstSampleAtMs: number;
  /** Its place once measured at finalize (align-tracks.ts). */
  aligned?: { offsetMs: number; alignedBy: 'mix' | 'others' | 'clock'; gapsMs: number };
  endedAtMs?: number;
  endReason?: string;
  bytes: number;
}

export interface ManifestTrack {
  file: string;
  participant: string;
  name: string;
  /** Where the file's zero is on the mix's timeline (ms from the mix's zero); its packet times place the rest. */
  offsetMs: number;
  /** How: `mix` (measured where the participant spoke), `others` (as the tracks that began with it), `clock` (nothing measured), null (still recording). */
  alignedBy: 'mix' | 'others' | 'clock' | null;
  /** Sound the page could not deliver (the file's times jump over it), in ms; known once finalized. */
  gapsMs?: number;
  /** The participant's join this track belongs to, and the leave (null: still there at the end). */
  joinedMs: number | null;
  leftMs: number | null;
  /** Mutes and unmutes of the participant while this track was recorded. */
  mutes: Array<{ atMs: number; muted: boolean }>;
  endedMs: number | null;
  /** Why the recording ended: stopped (the session ended), left, removed, ended, backlog, too-large... */
  ended: string | null;
  bytes: number;
}

export interface TracksManifest {
  version: 1;
  /** The mixed recording's zero on the wall clock, as an ISO time and epoch ms. */
  mix: { startedAt: string; originMs: number; file?: string };
  tracks: ManifestTrack[];
  participants: Array<{ id: string; name: string; joins: Array<{ joinedMs: number; leftMs: number | null }>; mutes: Array<{ atMs: number; muted: boolean }> }>;
  dominantSpeakers: Array<{ atMs: number; participant: string | null; name: string | null }>;
  /** Files made when the session was finalized. */
  speakers?: string;
  combined?: string;
  /** Anything the page sent that was not kept (over a limit, unknown track), counted. */
  dropped?: Record<string, number>;
}

export interface MixPlacement {
  originMs: number;
  audioLatencyMs: number;
  soundMoves: readonly SoundMove[];
}

/** The mix's sound move in force at `atMs` of the mix. */
function moveAt(moves: readonly SoundMove[], atMs: number): number {
  let move = moves[0]?.moveMs ?? 0;
  for (const m of moves) if (m.atMs <= atMs) move = m.moveMs;
  return move;
}

/** Where the clocks put a track's first sample on the mix (ms from its zero). */
export function clockOffsetMs(t: TrackRecord, mix: MixPlacement): number {
  const played = t.firstSampleAtMs + FIRST_SAMPLE_MS + mix.audioLatencyMs - mix.originMs;
  return played + moveAt(mix.soundMoves, played + moveAt(mix.soundMoves, played));
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export class TracksTimeline {
  readonly participants = new Map<string, ParticipantRecord>();
  readonly tracks: TrackRecord[] = [];
  readonly speakers: Array<{ atMs: number; participant: string | null }> = [];
  readonly dropped: Record<string, number> = {};
  private readonly open = new Map<number, TrackRecord>();
  private readonly seen = new Set<number>();

  /** What happened, counted once per reason (the caller logs the first). Returns the reason. */
  drop(reason: string): string {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
    return reason;
  }

  private participant(id: string, name?: string): ParticipantRecord | undefined {
    let p = this.participants.get(id);
    if (!p) {
      if (this.participants.size >= TIMELINE_LIMITS.maxParticipants) return undefined;
      p = { id, name: name ?? '', joins: [], mutes: [] };
      this.participants.set(id, p);
    }
    return p;
  }

  joined(id: string, name: string, atMs: number): void {
    const p = this.participant(id, name);
    if (!p) return void this.drop('participants');
    if (name) p.name = name;
    const last = p.joins.at(-1);
    if (last && last.leftAtMs === undefined) return;
    if (p.joins.length >= TIMELINE_LIMITS.maxEvents) return void this.drop('joins');
    p.joins.push({ atMs });
  }

  left(id: string, atMs: number): void {
    const last = this.participants.get(id)?.joins.at(-1);
    if (last && last.leftAtMs === undefined) last.leftAtMs = atMs;
  }

  renamed(id: string, name: string): void {
    const p = this.participants.get(id);
    if (p && name) p.name = name;
  }

  muted(id: string, muted: boolean, atMs: number): void {
    const p = this.participants.get(id);
    if (!p) return;
    if (p.mutes.at(-1)?.muted === muted) return;
    if (p.mutes.length >= TIMELINE_LIMITS.maxEvents) return void this.drop('mutes');
    p.mutes.push({ atMs, muted });
  }

  speaker(id: string | null, atMs: number): void {
    const who = id !== null && this.participants.has(id) ? id : null;
    if (this.speakers.at(-1)?.participant === who) return;
    if (this.speakers.length >= TIMELINE_LIMITS.maxEvents) return void this.drop('dominant-speakers');
    this.speakers.push({ atMs, participant: who });
  }

  /** A new track, or the reason it is not kept. */
  trackStarted(number: number, participant: string, firstSampleAtMs: number): TrackRecord | string {
    if (this.seen.has(number)) return this.drop('track numbers used twice');
    if (this.tracks.length >= TIMELINE_LIMITS.maxTracks) return this.drop('tracks');
    if (this.open.size >= TIMELINE_LIMITS.maxOpenTracks) return this.drop('tracks open at once');
    const p = this.participant(participant);
    if (!p) return this.drop('participants');
    this.seen.add(number);
    const n = this.tracks.filter((t) => t.participant === participant).length + 1;
    const track: TrackRecord = { number, file: trackFileName(participant, n), participant, firstSampleAtMs, bytes: 0 };
    this.tracks.push(track);
    this.open.set(number, track);
    return track;
  }

  /** The open track of that number. */
  openTrack(number: number): TrackRecord | undefined {
    return this.open.get(number);
  }

  get openTracks(): TrackRecord[] {
    return [...this.open.values()];
  }

  trackEnded(number: number, reason: string, atMs: number): TrackRecord | undefined {
    const track = this.open.get(number);
    if (!track) return undefined;
    this.open.delete(number);
    track.endedAtMs = atMs;
    track.endReason = reason;
    return track;
  }

  manifest(mix: MixPlacement, files: { media?: string; speakers?: string; combined?: string } = {}): TracksManifest {
    const rel = (atMs: number): number => round(atMs - mix.originMs);
    const nameOf = (id: string): string => this.participants.get(id)?.name ?? '';
    const tracks = this.tracks.map((t): ManifestTrack => {
      const p = this.participants.get(t.participant);
      const join = p?.joins.filter((j) => j.atMs <= t.firstSampleAtMs + 1000).at(-1) ?? p?.joins[0];
      const until = t.endedAtMs ?? Infinity;
      return {
        file: t.file,
        participant: t.participant,
        name: nameOf(t.participant),
        offsetMs: round(t.aligned?.offsetMs ?? clockOffsetMs(t, mix)),
        alignedBy: t.aligned?.alignedBy ?? null,
        ...(t.aligned ? { gapsMs: round(t.aligned.gapsMs) } : {}),
        joinedMs: join ? rel(join.atMs) : null,
        leftMs: join?.leftAtMs !== undefined ? rel(join.leftAtMs) : null,
        mutes: (p?.mutes ?? []).filter((m) => m.atMs >= (join?.atMs ?? -Infinity) && m.atMs <= until).map((m) => ({ atMs: rel(m.atMs), muted: m.muted })),
        endedMs: t.endedAtMs !== undefined ? rel(t.endedAtMs) : null,
        ended: t.endReason ?? null,
        bytes: t.bytes,
      };
    });
    return {
      version: 1,
      mix: { startedAt: new Date(mix.originMs).toISOString(), originMs: mix.originMs, ...(files.media ? { file: files.media } : {}) },
      tracks,
      participants: [...this.participants.values()].map((p) => ({
        id: p.id,
        name: p.name,
        joins: p.joins.map((j) => ({ joinedMs: rel(j.atMs), leftMs: j.leftAtMs !== undefined ? rel(j.leftAtMs) : null })),
        mutes: p.mutes.map((m) => ({ atMs: rel(m.atMs), muted: m.muted })),
      })),
      dominantSpeakers: this.speakers.map((s) => ({ atMs: rel(s.atMs), participant: s.participant, name: s.participant === null ? null : nameOf(s.participant) })),
      ...(files.speakers ? { speakers: files.speakers } : {}),
      ...(files.combined ? { combined: files.combined } : {}),
      ...(Object.keys(this.dropped).length ? { dropped: { ...this.dropped } } : {}),
    };
  }
}
