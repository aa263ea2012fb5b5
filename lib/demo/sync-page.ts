/**
 * A page for measuring sound-to-picture sync: every PERIOD it plays a short 1 kHz beep and, at the same
 * instant, starts a white bar that grows across the top of the screen at a known speed.
 *
 * "The same instant" means the moment the beep leaves the audio output, not the moment it is scheduled:
 * the beep is scheduled on the AudioContext clock, and AudioContext.getOutputTimestamp() maps that clock
 * to performance.now(), output latency included. Each animation frame draws the bar with the width it
 * has at that frame's timestamp, so a captured frame tells, to the millisecond, how long before it the
 * bar started: onset = frame time - width / speed. That removes the frame-rate quantisation (33 ms at
 * 30 fps) from the measurement.
 */
export const SYNC = {
  periodMs: 1500,
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
  const onsets = [];           // performance-clock times at which beeps leave the output
  window.syncState = { onsets, scheduled: 0 };
  function toPerformanceTime(contextTime) {
    const ts = ctx.getOutputTimestamp();
    if (!ts.performanceTime) return performance.now() + (contextTime - ctx.currentTime + ctx.outputLatency) * 1000;
    return ts.performanceTime + (contextTime - ts.contextTime) * 1000;
  }
  function scheduleBeep(at) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = ${SYNC.beepHz};
    gain.gain.value = 0.8;
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + ${SYNC.beepMs / 1000});
    onsets.push(toPerformanceTime(at));
    window.syncState.scheduled++;
  }
  let next = 0;
  function plan() {
    if (ctx.state !== 'running') { ctx.resume(); return; }
    if (!next) next = ctx.currentTime + 1;
    while (next < ctx.currentTime + 1) { scheduleBeep(next); next += ${SYNC.periodMs / 1000}; }
  }
  setInterval(plan, 100);
  function frame(now) {
    let width = 0;
    for (let i = onsets.length - 1; i >= 0; i--) {
      const age = now - onsets[i];
      if (age >= 0 && age < ${SYNC.barMs}) { width = age * ${SYNC.speedPxPerSec / 1000}; break; }
    }
    bar.style.width = Math.round(width) + 'px';
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
</script></body></html>`;
}
