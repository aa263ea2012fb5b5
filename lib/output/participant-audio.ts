/**
 * What the meeting page hands an output that takes each remote participant's sound on its own (the tracks
 * output), and the mix's timeline that every output may place itself on. The meeting (lib/meeting/audio-tap.ts)
 * produces these events from lib-jitsi-meet's conference inside the page and checks their shape and size
 * before they get here; the output decides what to keep and where it goes on disk.
 *
 * Times (`atMs`) are wall-clock milliseconds as the page tells them (`performance.timeOrigin +
 * performance.now()`, the clock the frame clock also reads), never a count from some start.
 */

export type ParticipantAudioEvent =
  /** A visible remote participant is in the conference (joined, or already there when the tap started). */
  | { kind: 'joined'; participant: string; name: string; atMs: number }
  | { kind: 'left'; participant: string; atMs: number }
  | { kind: 'renamed'; participant: string; name: string; atMs: number }
  /** The participant's microphone was muted or unmuted (lib-jitsi-meet's `conference.trackMuteChanged`). */
  | { kind: 'muted'; participant: string; muted: boolean; atMs: number }
  /** The bridge's dominant speaker changed (`conference.dominantSpeaker`); null when it is not a recorded participant. */
  | { kind: 'speaker'; participant: string | null; atMs: number }
  /**
   * The page started recording one of the participant's audio tracks: `track` numbers it within the page,
   * `firstSampleAtMs` is when its first sample was taken from the track (the recorder's start).
   */
  | { kind: 'track-start'; track: number; participant: string; firstSampleAtMs: number; atMs: number }
  /** The next bytes of that track's recording (WebM with Opus), in order. */
  | { kind: 'track-data'; track: number; data: Buffer; atMs: number }
  /** The track's recording ended: the track went, its participant left, the recording stopped, or the page fell behind. */
  | { kind: 'track-end'; track: number; reason: string; atMs: number };

/** How the page is told to record (the meeting registers it with each sink at join). */
export interface ParticipantAudioSource {
  /** Starts recording every visible remote participant's audio; resolves once the page has started. */
  start(): Promise<void>;
  /** Stops every recording and hands over what the page still holds; bounded, never rejects. */
  stop(): Promise<void>;
}

/** An output that takes the participants' sound from the page. */
export interface ParticipantAudioSink {
  /** Called once, when the meeting page is joined and the tap installed. */
  attach(source: ParticipantAudioSource): void;
  /** Events from the page, in the page's order; their shape and sizes are already checked, not their sense. */
  push(event: ParticipantAudioEvent): void;
}

/** From `atMs` of the mix on (ms from its zero), its sound is heard `moveMs` later than it was captured. */
export interface SoundMove {
  atMs: number;
  moveMs: number;
}

/**
 * The mixed recording's timeline, as the pipeline has it when the outputs open: its zero is `originMs` on
 * the wall clock. A sound the page plays at wall-clock time `d` lands at `d - originMs + audioLatencyMs +
 * move` of the mix: the capture stamps it `audioLatencyMs` after it was played
 * (JIBRI_RECORDING_AUDIO_LATENCY_MS), and the frame clock moves the sound later to follow the picture, by
 * whole frames of Chromium's clock as the picture's latency changes.
 */
export interface MixTimeline {
  originMs: number;
  audioLatencyMs: number;
  /** Every move of the mix's sound so far, the first at 0 (none moves it: one entry, 0 ms). */
  soundMoves(): readonly SoundMove[];
}
