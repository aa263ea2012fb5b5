/**
 * CPU of a process tree split by what each process is: Chromium (every process whose name says so, and
 * what they reaped), ffmpeg, Xvfb, and the service (the Node process at the root), read from /proc.
 * PulseAudio is a daemon outside the tree that every session plays into; it is measured on its own.
 */
import * as fs from 'node:fs';
import { processTree, readProcessTable } from '../lib/system/host-load';

export type Part = 'chromium' | 'ffmpeg' | 'xvfb' | 'service' | 'other';
export const PARTS: readonly Part[] = ['chromium', 'ffmpeg', 'xvfb', 'service', 'other'];
const TICKS = 100;

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Pure: which part a process of this name is, `root` being the service's own process. */
export function partOf(name: string, isRoot: boolean): Part {
  if (isRoot) return 'service';
  if (/chrom/i.test(name)) return 'chromium';
  if (name === 'ffmpeg') return 'ffmpeg';
  if (name === 'Xvfb' || name === 'Xorg') return 'xvfb';
  return 'other';
}

interface Snapshot {
  ticks: Map<number, { part: Part; ticks: number }>;
  pulseTicks: number;
  at: number;
}

function pulseTicks(): number {
  let t = 0;
  for (const p of readProcessTable().values()) if (comm(p.pid) === 'pulseaudio') t += p.cpuTicks;
  return t;
}

export function snapshot(root: number): Snapshot {
  const ticks = new Map<number, { part: Part; ticks: number }>();
  for (const p of processTree(root, readProcessTable())) ticks.set(p.pid, { part: partOf(comm(p.pid), p.pid === root), ticks: p.cpuTicks + p.reapedTicks });
  return { ticks, pulseTicks: pulseTicks(), at: Date.now() };
}

export type PartCores = Record<Part, number> & { total: number; pulseaudio: number };

/**
 * Cores each part used between two snapshots. A process that ended meanwhile is counted in its parent's
 * reaped time, so in the parent's part; one that started meanwhile counts from zero.
 */
export function coresBetween(a: Snapshot, b: Snapshot): PartCores {
  const secs = (b.at - a.at) / 1000;
  const out = { chromium: 0, ffmpeg: 0, xvfb: 0, service: 0, other: 0, total: 0, pulseaudio: 0 };
  for (const [pid, now] of b.ticks) {
    const before = a.ticks.get(pid)?.ticks ?? 0;
    out[now.part] += Math.max(0, now.ticks - before) / TICKS / secs;
  }
  out.total = PARTS.reduce((s, p) => s + out[p], 0);
  out.pulseaudio = Math.max(0, b.pulseTicks - a.pulseTicks) / TICKS / secs;
  return out;
}

/** Cores of `root`'s process tree over the next `seconds`, without `root` itself (the bench's own Node process). */
export async function treeCoresWithoutRoot(root: number, seconds: number): Promise<PartCores> {
  const a = snapshot(root);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cores = coresBetween(a, snapshot(root));
  cores.total -= cores.service;
  cores.service = 0;
  return cores;
}
