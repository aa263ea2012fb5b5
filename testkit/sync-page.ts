/**
 * A page for measuring sound-to-picture sync: every 1.25-1.75 s it plays a short 1 kHz beep and, at the
 * same instant, starts a white bar that grows across the top of the screen at a known speed.
 *
 * "The same instant" means the moment the beep leaves the audio output, not the moment it is scheduled:
 * the beep is scheduled on the AudioContext clock, and AudioContext.getOutputTimestamp() maps that clock
 * to performance.now(), output latency included. That mapping is only settled once the output has run
 * for a while, so the first beep comes 2 s after the context starts, each beep is scheduled at most
 * 250 ms ahead, and every frame maps the beep's context time afresh. Each animation frame draws the bar
 * with the width it has at that frame's timestamp, so a captured frame tells, to the millisecond, how
 * long before it the bar started: onset = frame time - width / speed. That removes the frame-rate
 * quantisation (33 ms at 30 fps) from the measurement.
 *
 * The page's own sound can stall on a busy host (its audio thread misses a deadline): the output then
 * plays everything after it later, and the mapping jumps by that much. A beep around which the mapping
 * jumped has no one instant on the page for its sound and its bar, so it says nothing about the
 * recorder: the page keeps, for each beep, how far the mapping moved from 300 ms before it until its bar
 * ends (`syncState.clockMovesMs`), and the measurement sets such beeps aside and counts them.
 *
 * The gaps between beeps differ (a fixed sequence), so the beeps of any recording of the page can be
 * lined up with the page's own list whatever the recording's timeline starts at.
 */
export const SYNC = {
  /** The gap before beep k is periodMs + gapStepMs * ((k * 7) % 11 - 5): 1250 to 1750 ms. */
  periodMs: 1500,
  gapStepMs: 50,
  beepMs: 50,
  beepHz: 1000,
  /** Bar speed in pixels per second and its height; the bar is drawn for BAR_MS after each onset. */
  speedPxPerSec: 2000,
  barMs: 500,
  barHeight: 40,
} as const;

export function syncPageHtml(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>sync</title>
<style>html,body{margin:0;height:100%;overflow:hidden;background:#000;cursor:none}
#bar{position:fixed;left:0;top:0;height:${SYNC.barHeight}px;width:0;background:#fff}</style></head>
<body><div id="bar"></div>
<script>
  const ctx = new AudioContext({ latencyHint: 'interactive' });
  const bar = document.getElementById('bar');
  const beeps = [];            // context times at which beeps start
  const onsets = [];           // the same, on the performance clock, as last mapped by a frame
  const mapped = [];           // per beep: the lowest and highest mapping seen around it
  const clockMovesMs = [];     // per beep: how far the mapping moved around it
  window.syncState = { onsets, clockMovesMs, scheduled: 0 };
  // performanceTime - contextTime, in ms: steady while the output plays without a stall.
  function mapping() {
    const ts = ctx.getOutputTimestamp();
    return ts.performanceTime ? ts.performanceTime - ts.contextTime * 1000 : undefined;
  }
  function toPerformanceTime(contextTime) {
    const m = mapping();
    if (m === undefined) return performance.now() + (contextTime - ctx.currentTime + ctx.outputLatency) * 1000;
    return m + contextTime * 1000;
  }
  function scheduleBeep(at) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = ${SYNC.beepHz};
    gain.gain.value = 0.8;
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + ${SYNC.beepMs / 1000});
    beeps.push(at);
    onsets.push(toPerformanceTime(at));
    mapped.push(undefined);
    clockMovesMs.push(0);
    window.syncState.scheduled++;
  }
  let next = 0;
  function plan() {
    if (ctx.state !== 'running') { ctx.resume(); return; }
    if (!next) next = ctx.currentTime + 2;
    while (next < ctx.currentTime + 0.25) {
      scheduleBeep(next);
      next += (${SYNC.periodMs} + ${SYNC.gapStepMs} * ((beeps.length * 7) % 11 - 5)) / 1000;
    }
  }
  function noteMapping(i, m) {
    const seen = mapped[i];
    mapped[i] = seen ? [Math.min(seen[0], m), Math.max(seen[1], m)] : [m, m];
    clockMovesMs[i] = mapped[i][1] - mapped[i][0];
  }
  setInterval(plan, 50);
  function frame(now) {
    let width = 0;
    const m = mapping();
    for (let i = beeps.length - 1; i >= 0; i--) {
      const onset = toPerformanceTime(beeps[i]);
      const age = now - onset;
      if (m !== undefined && age >= -300 && age < ${SYNC.barMs} + 100) noteMapping(i, m);
      if (age >= -${SYNC.periodMs / 2} && age < ${SYNC.barMs}) onsets[i] = onset;
      if (age >= 0 && age < ${SYNC.barMs}) { width = age * ${SYNC.speedPxPerSec / 1000}; break; }
      if (age >= ${SYNC.barMs}) break;
    }
    bar.style.width = Math.round(width) + 'px';
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
</script></body></html>`;
}
