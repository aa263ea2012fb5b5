/**
 * CPU and memory of a process tree, read from /proc. A process's own utime+stime plus its cutime+cstime
 * (children it has reaped) counts every CPU second of the tree exactly once, even for children that
 * lived and died between two readings.
 */
import * as fs from 'node:fs';

const TICKS = 100;

interface ProcInfo {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssKb: number;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17); rest[0] is field 3.
    const num = (field: number): number => Number(rest[field - 3]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status);
    return { pid, ppid: num(4), cpuTicks: num(14) + num(15) + num(16) + num(17), rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return undefined;
  }
}

export function treeOf(root: number): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) all.push(p);
  }
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const stack = all.filter((p) => p.pid === root);
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(byParent.get(p.pid) ?? []));
  }
  return out;
}

export function treeCpuSeconds(root: number): number {
  return treeOf(root).reduce((s, p) => s + p.cpuTicks, 0) / TICKS;
}

export function treeRssMb(root: number): number {
  return treeOf(root).reduce((s, p) => s + p.rssKb, 0) / 1024;
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
