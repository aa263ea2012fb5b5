/**
 * Pure: the part of ffmpeg's audio filter graph that moves the sound during a session, and the commands
 * (lines on ffmpeg's standard input) that move it.
 *
 * Chromium's picture changes its latency in whole frames of its 60 Hz clock, both ways (it adds a frame when
 * its main thread falls behind, and takes it back). The sound follows with a ladder: SHIFT_STEPS copies of it,
 * each one frame later than the one before, all mixed, only one heard at a time (volume 1, the others 0). A
 * move to another step is queued at an instant of the sound's own timeline and crossfades over CROSSFADE_SEC,
 * so it is exact and never clicks. Below the ladder, one fine delay (adelay, which can grow but never
 * shrink) adds the part of the session's first measurement that is less than a step.
 */

/** One frame of Chromium's 60 Hz clock, in ms. */
export const STEP_MS = 1000 / 60;
/**
 * Steps 0..SHIFT_STEPS-1, 0 to 200 ms: the first measurement puts the sound on the step just below it (the
 * fine delay adds the rest, less than a frame), so the sound can later move anywhere from there down to
 * no move at all, and 200 ms up. The sound starts at START_STEP, a typical picture latency, until then.
 */
export const SHIFT_STEPS = 13;
export const START_STEP = 2;
const CROSSFADE_SEC = 0.06;
/** The capture's channels (the session's sink is stereo): adelay takes one delay per channel. */
const CHANNELS = 2;

const ms = (v: number): string => v.toFixed(2);
const delays = (v: number): string => Array(CHANNELS).fill(ms(v)).join('|');

/**
 * The graph from the captured sound (`input`, e.g. `1:a`) to `output`: `before` (the resampler) first, then
 * the fine delay and the ladder. Filter names are fixed: the commands below address them.
 */
export function soundShiftGraph(input: string, before: string, output: string): string {
  const copies = Array.from({ length: SHIFT_STEPS }, (_, i) => `[shift${i}]`);
  const steps = copies.map((label, i) => {
    const delay = i === 0 ? '' : `adelay=delays=${delays(i * STEP_MS)},`;
    return `${label}${delay}volume@step${i}=volume=${i === START_STEP ? 1 : 0}:eval=frame[step${i}]`;
  });
  return [
    `[${input}]${before},adelay@fine=delays=${delays(0)},asplit=${SHIFT_STEPS}${copies.join('')}`,
    ...steps,
    `${copies.map((_, i) => `[step${i}]`).join('')}amix=inputs=${SHIFT_STEPS}:normalize=0[${output}]`,
  ].join(';');
}

/** Delays the whole sound by `delayMs` from now on (more than the last value sent: adelay cannot shrink). */
export function fineDelayCommand(delayMs: number): string {
  return `cadelay@fine -1 delays ${delays(delayMs)}\n`;
}

/** Moves the sound from step `from` to step `to` at `atSec` of its timeline, with a short crossfade. */
export function stepCommands(from: number, to: number, atSec: number): string {
  const t = atSec.toFixed(3);
  return (
    `Cvolume@step${from} ${t} volume clip(1-(t-${t})/${CROSSFADE_SEC},0,1)\n` +
    `Cvolume@step${to} ${t} volume clip((t-${t})/${CROSSFADE_SEC},0,1)\n`
  );
}

/** How much later than captured the sound is heard, for a fine delay and a step. */
export function shiftMs(fineMs: number, step: number): number {
  return fineMs + step * STEP_MS;
}
