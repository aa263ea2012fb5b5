/**
 * Pure: `speakers.vtt`, who spoke when on the mix's timeline, as WebVTT cues with a voice span per speaker
 * (`<v Ada Lovelace>Ada Lovelace`), which players show as subtitles and transcription tools read as
 * speaker labels. Each participant's own track says exactly when they spoke (voice activity, a cue per
 * stretch of voice); the bridge's dominant-speaker changes fill in for a participant whose voice the
 * tracks do not hold (no track, or a recording that was cut), from the change to the next one.
 */
import type { Segment } from './voice-activity';

export interface SpeakerVoice {
  participant: string;
  name: string;
  /** Stretches of voice on the mix's timeline (s); undefined when the participant has no readable track. */
  voice: Segment[] | undefined;
}

export interface Cue {
  startSec: number;
  endSec: number;
  participant: string;
  name: string;
}

/** Dominant-speaker intervals shorter than this are a moment of the bridge's choosing, not a speaker. */
const MIN_DOMINANT_SEC = 1;

/** Pure: the cues, in time order. `endSec` closes the last dominant speaker's interval (the mix's end). */
export function speakerCues(voices: readonly SpeakerVoice[], dominant: ReadonlyArray<{ atSec: number; participant: string | null }>, endSec: number): Cue[] {
  const cues: Cue[] = [];
  const byId = new Map(voices.map((v) => [v.participant, v]));
  for (const v of voices) for (const s of v.voice ?? []) cues.push({ startSec: s.startSec, endSec: s.endSec, participant: v.participant, name: v.name });
  dominant.forEach((d, i) => {
    const v = d.participant === null ? undefined : byId.get(d.participant);
    if (!v || v.voice !== undefined) return;
    const end = dominant[i + 1]?.atSec ?? endSec;
    if (end - d.atSec >= MIN_DOMINANT_SEC) cues.push({ startSec: d.atSec, endSec: end, participant: v.participant, name: v.name });
  });
  return cues.filter((c) => c.endSec > c.startSec && c.endSec > 0).map((c) => ({ ...c, startSec: Math.max(0, c.startSec) })).sort((a, b) => a.startSec - b.startSec || a.participant.localeCompare(b.participant));
}

/** WebVTT's timestamp, hh:mm:ss.ttt. */
export function vttTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** A name as cue text and as a voice annotation: markup characters escaped, never a line break or `-->`. */
function escape(name: string): string {
  return name.replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function speakersVtt(cues: readonly Cue[]): string {
  const blocks = cues.map((c) => {
    const name = escape(c.name || c.participant);
    return `${vttTime(c.startSec)} --> ${vttTime(c.endSec)}\n<v ${name}>${name}</v>`;
  });
  return ['WEBVTT', '', ...blocks.flatMap((b) => [b, ''])].join('\n');
}
