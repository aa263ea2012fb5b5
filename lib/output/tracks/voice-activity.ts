/**
 * Pure: when a participant's track holds a voice, from its loudness every 50 ms (pcm.ts): a threshold
 * above the track's own quiet (each track is one person's microphone after Jitsi's noise suppression, so
 * quiet is quiet), gaps of less than a breath filled and blips dropped.
 */

/** One level per frame: the frame's time in the track (s) and its RMS level (dBFS, -Infinity for silence). */
export interface Level {
  atSec: number;
  db: number;
}

export interface Segment {
  startSec: number;
  endSec: number;
}

export const VOICE = {
  frameSec: 0.05,
  /** The threshold: this far above the track's quiet (its 10th percentile), kept within [floorDb, ceilingDb]. */
  aboveQuietDb: 15,
  floorDb: -55,
  ceilingDb: -35,
  /** Pauses shorter than this are part of the speech; voice shorter than this is not speech. */
  bridgeSec: 0.5,
  minSec: 0.25,
} as const;

/** Pure: the stretches of a track that hold a voice, in the track's own seconds. */
export function voiceSegments(levels: readonly Level[]): Segment[] {
  if (levels.length === 0) return [];
  const sorted = levels.map((l) => l.db).sort((a, b) => a - b);
  const quiet = sorted[Math.floor(sorted.length * 0.1)]!;
  const threshold = Math.min(VOICE.ceilingDb, Math.max(VOICE.floorDb, (Number.isFinite(quiet) ? quiet : -Infinity) + VOICE.aboveQuietDb));
  const raw: Segment[] = [];
  for (const l of levels) {
    if (!(l.db > threshold)) continue;
    const last = raw.at(-1);
    const end = l.atSec + VOICE.frameSec;
    if (last && l.atSec - last.endSec <= VOICE.bridgeSec) last.endSec = end;
    else raw.push({ startSec: l.atSec, endSec: end });
  }
  return raw.filter((s) => s.endSec - s.startSec >= VOICE.minSec);
}
