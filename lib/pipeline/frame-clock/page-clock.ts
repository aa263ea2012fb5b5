/**
 * The frame clock inside the page: a strip of `layout.rows` screen rows just below the recorded picture
 * (the screen is that much taller than the recording, and the encode crops it away), redrawn at every
 * animation frame with that frame's time in the code of clock-code.ts. Passed as is to Playwright's
 * `addInitScript`, so it is self-contained: no imports, no module constants (the layout comes as the
 * argument). Only the top page draws it; frames inside the page never do. `stopPageClock` removes it
 * (a session without a picture has nothing to measure, and the clock makes Chromium draw every frame).
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   The page's window is untyped; the only value kept on it is this script's own flag. */
import type { ClockLayout } from './clock-code';

export interface PageClockArgs extends ClockLayout {
  /** The recorded picture's height: the strip's first row, counted from the top of the screen. */
  top: number;
  width: number;
}

export function installPageClock(args: PageClockArgs): void {
  if (window.top !== window) return;
  const w = window as any;
  if (w.__jibriFrameClock) return;
  const state = { stopped: false };
  w.__jibriFrameClock = state;
  const modulus = 2 ** args.bits;
  const blockWidth = Math.floor(args.width / args.blocks);
  const draw = (ctx: CanvasRenderingContext2D, now: number): void => {
    const units = Math.round((performance.timeOrigin + now) * args.unitsPerMs) % modulus;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, args.width, args.rows);
    ctx.fillStyle = '#fff';
    const white = (i: number): void => ctx.fillRect(i * blockWidth, 0, blockWidth, args.rows);
    white(0);
    for (let i = 0; i < args.bits; i++) {
      const bit = Math.floor(units / 2 ** (args.bits - 1 - i)) % 2;
      white(bit ? 2 + i : 2 + args.bits + i);
    }
  };
  const start = (): void => {
    const canvas = document.createElement('canvas');
    canvas.width = args.width;
    canvas.height = args.rows;
    canvas.setAttribute(
      'style',
      `position:fixed!important;left:0!important;top:${args.top}px!important;width:${args.width}px!important;height:${args.rows}px!important;` +
        'margin:0!important;padding:0!important;border:0!important;display:block!important;z-index:2147483647!important;pointer-events:none!important',
    );
    canvas.setAttribute('aria-hidden', 'true');
    document.documentElement.appendChild(canvas);
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) return;
    const frame = (now: number): void => {
      if (state.stopped) return canvas.remove();
      draw(ctx, now);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
}

/** Stops and removes the clock, for the rest of this page. */
export function stopPageClock(): void {
  const state = (window as any).__jibriFrameClock;
  if (state) state.stopped = true;
}
