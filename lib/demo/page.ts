/**
 * The bundled meeting page: what the recorder records when no Jitsi is configured, and what the tests
 * record. Four solid corner squares (so a frame proves the page fills the picture edge to edge), a box
 * that moves (so frames differ), a clock, and a steady sine tone through Web Audio (so the sound can be
 * decoded and its pitch checked).
 */
export interface DemoPageOptions {
  toneHz: number;
  /** Colours of the corners, top-left, top-right, bottom-left, bottom-right, as #rrggbb. */
  corners: [string, string, string, string];
  background: string;
  title: string;
}

export const DEFAULT_DEMO: DemoPageOptions = {
  toneHz: 440,
  corners: ['#ff0000', '#00ff00', '#0000ff', '#ffff00'],
  background: '#202040',
  title: 'jibri-ts demo meeting',
};

export function demoPageHtml(o: DemoPageOptions = DEFAULT_DEMO): string {
  const [tl, tr, bl, br] = o.corners;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${o.title}</title>
<style>
  html, body { margin: 0; height: 100%; overflow: hidden; background: ${o.background}; cursor: none; }
  .corner { position: fixed; width: 160px; height: 160px; }
  #tl { top: 0; left: 0; background: ${tl}; } #tr { top: 0; right: 0; background: ${tr}; }
  #bl { bottom: 0; left: 0; background: ${bl}; } #br { bottom: 0; right: 0; background: ${br}; }
  #box { position: fixed; top: 45%; width: 80px; height: 80px; background: #ffffff; }
  #clock { position: fixed; top: 30%; width: 100%; text-align: center; font: 48px sans-serif; color: #e0e0e0; }
</style></head>
<body>
<div class="corner" id="tl"></div><div class="corner" id="tr"></div>
<div class="corner" id="bl"></div><div class="corner" id="br"></div>
<div id="clock">${o.title}</div><div id="box"></div>
<script>
  const started = performance.now();
  const box = document.getElementById('box');
  const clock = document.getElementById('clock');
  function frame(now) {
    const t = (now - started) / 1000;
    box.style.left = (10 + 40 * (1 + Math.sin(t * 2))) + '%';
    clock.textContent = t.toFixed(1) + ' s';
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = ${o.toneHz};
  gain.gain.value = 0.5;
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  window.demoState = { get audio() { return ctx.state; } };
</script>
</body></html>`;
}
