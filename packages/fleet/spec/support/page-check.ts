/**
 * A dashboard page looked at as a user would: at a desktop and a phone width, axe-core finds no serious
 * or critical violation, and a full-page screenshot of each is kept for people to look at.
 */
import * as path from 'node:path';
import axe from 'axe-core';
import type { Page } from 'playwright';

/** Checks `p` at both widths and saves its screenshots into `dir` (their paths are added to `shots`). */
export async function checkPage(p: Page, name: string, dir: string, shots: string[]): Promise<void> {
  for (const [w, h] of [[1280, 800], [390, 844]] as const) {
    await p.setViewportSize({ width: w, height: h });
    // Injected through the DevTools protocol: the dashboard's CSP allows no inline script, rightly.
    if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(axe.source);
    const result = await p.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${name} ${w}x${h}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
    const file = path.join(dir, `${name}-${w}x${h}.png`);
    await p.screenshot({ path: file, fullPage: true });
    shots.push(file);
  }
  await p.setViewportSize({ width: 1280, height: 800 });
}
