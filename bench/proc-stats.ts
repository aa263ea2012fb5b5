/**
 * CPU and memory of a process tree, from lib/system/host-load's /proc reader. A process's own CPU time
 * plus what it has reaped from its children counts every CPU second of the tree exactly once, even for
 * children that lived and died between two readings.
 */
import * as fs from 'node:fs';
import { processTree, readProcessTable } from '../lib/system/host-load';

const TICKS = 100;

export function treeCpuSeconds(root: number): number {
  return processTree(root, readProcessTable()).reduce((s, p) => s + p.cpuTicks + p.reapedTicks, 0) / TICKS;
}

export function treeRssMb(root: number): number {
  return processTree(root, readProcessTable()).reduce((s, p) => s + p.rssBytes, 0) / 1048576;
}

/**
 * Proportional set size of the tree: shared pages (Chromium's processes share most of theirs) counted
 * once, split among their users. RSS would count them once per process.
 */
export function treePssMb(root: number): number {
  let kb = 0;
  for (const p of processTree(root, readProcessTable())) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p.pid}/smaps_rollup`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // ended meanwhile
    }
  }
  return kb / 1024;
}

/** Samples peaks until stopped. */
export function memorySampler(root: number, everyMs = 250): { stop(): { serviceMb: number; treeMb: number } } {
  let serviceMb = 0;
  let treeMb = 0;
  const sample = (): void => {
    serviceMb = Math.max(serviceMb, process.memoryUsage().rss / 1048576);
    treeMb = Math.max(treeMb, treeRssMb(root));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { serviceMb, treeMb };
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
