/**
 * What the host is doing, read from /proc every few seconds: how busy its CPUs are, how much of that is
 * this service and its children (displays, browsers, encoders), and how much memory is left. Admission
 * needs the split: a host busy with our own sessions is planned for by their cost, a host busy with
 * something else is not ours to plan, only to respect.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Linux reports process CPU time in clock ticks of 1/100 s on every architecture Node runs on here. */
const CLOCK_TICKS_PER_SEC = 100;

export interface CpuTimes {
  /** All jiffies since boot, summed over CPUs. */
  total: number;
  /** Idle and I/O-wait jiffies. */
  idle: number;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal; guest time is already inside user and nice.
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, idle: (v[3] ?? 0) + (v[4] ?? 0) };
}

/** MemAvailable of /proc/meminfo, in bytes: what new processes can take without swapping. */
export function parseMemAvailable(text: string): number {
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(text);
  if (!m) throw new Error('no MemAvailable in /proc/meminfo');
  return Number(m[1]) * 1024;
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** cutime + cstime: children this process has reaped, which no longer show in the table. */
  reapedTicks: number;
  rssBytes: number;
}

/** One /proc/<pid>/stat line. The command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parsePidStat(text: string, pageSize = 4096): ProcEntry | undefined {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isFinite(pid)) return undefined;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17, rss 24.
  const [ppid, utime, stime, cutime, cstime, rss] = [1, 11, 12, 13, 14, 21].map((i) => Number(f[i]));
  if (![ppid, utime, stime, cutime, cstime, rss].every(Number.isFinite)) return undefined;
  return { pid, ppid: ppid!, cpuTicks: utime! + stime!, reapedTicks: cutime! + cstime!, rssBytes: rss! * pageSize };
}

/** The root and every process below it. */
export function processTree(root: number, table: ReadonlyMap<number, ProcEntry>): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const e of table.values()) {
    const list = children.get(e.ppid);
    if (list) list.push(e);
    else children.set(e.ppid, [e]);
  }
  const out: ProcEntry[] = [];
  const first = table.get(root);
  const queue = first ? [first] : [];
  while (queue.length) {
    const e = queue.shift()!;
    out.push(e);
    queue.push(...(children.get(e.pid) ?? []));
  }
  return out;
}

/** A cgroup limit this large means none (cgroup v1 writes 2^63 rounded to pages). */
const UNLIMITED = 2 ** 60;

/** cgroup v2 `cpu.max` ("max 100000" or "150000 100000"), or v1's quota and period: cores, if limited. */
export function parseCpuLimit(cpuMax: string | undefined, v1Quota?: string, v1Period?: string): number | undefined {
  const [quota, period] = cpuMax !== undefined ? cpuMax.trim().split(/\s+/) : [v1Quota?.trim(), v1Period?.trim()];
  const q = Number(quota);
  const p = Number(period);
  if (!quota || quota === 'max' || !(q > 0) || !(p > 0)) return undefined;
  return q / p;
}

/** cgroup v2 `memory.max` or v1 `memory.limit_in_bytes`, if limited. */
export function parseMemoryLimit(text: string | undefined): number | undefined {
  const v = Number(text?.trim());
  return text === undefined || text.trim() === 'max' || !(v > 0) || v >= UNLIMITED ? undefined : v;
}

/**
 * The container's own limits and usage (cgroup v2, else v1), read where the container sees its cgroup.
 * In a pod with `limits.cpu: 2` on a 32-core node, the recorder has 2 cores, not 32; /proc/stat shows
 * the node. Usage is read only when a limit exists.
 */
export interface CgroupView {
  cpuCores?: number;
  memoryLimitBytes?: number;
  /** CPU the cgroup used since boot, in microseconds. */
  cpuUsageUsec(): number | undefined;
  memoryUsageBytes(): number | undefined;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readCgroup(root = '/sys/fs/cgroup'): CgroupView {
  const v2 = readText(`${root}/cgroup.controllers`) !== undefined;
  if (v2) {
    return {
      ...optional('cpuCores', parseCpuLimit(readText(`${root}/cpu.max`))),
      ...optional('memoryLimitBytes', parseMemoryLimit(readText(`${root}/memory.max`))),
      cpuUsageUsec: () => {
        const m = /^usage_usec (\d+)/m.exec(readText(`${root}/cpu.stat`) ?? '');
        return m ? Number(m[1]) : undefined;
      },
      memoryUsageBytes: () => numberIn(readText(`${root}/memory.current`)),
    };
  }
  return {
    ...optional('cpuCores', parseCpuLimit(undefined, readText(`${root}/cpu/cpu.cfs_quota_us`), readText(`${root}/cpu/cpu.cfs_period_us`))),
    ...optional('memoryLimitBytes', parseMemoryLimit(readText(`${root}/memory/memory.limit_in_bytes`))),
    cpuUsageUsec: () => {
      const ns = numberIn(readText(`${root}/cpuacct/cpuacct.usage`));
      return ns === undefined ? undefined : ns / 1000;
    },
    memoryUsageBytes: () => numberIn(readText(`${root}/memory/memory.usage_in_bytes`)),
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function numberIn(text: string | undefined): number | undefined {
  const v = Number(text?.trim());
  return text === undefined || !Number.isFinite(v) ? undefined : v;
}

export interface LoadSample {
  /** When the sample was taken (ms since the epoch). */
  at: number;
  cores: number;
  /** Cores' worth of CPU the whole host used since the previous sample. */
  hostBusyCores: number;
  /** Cores' worth used by this service and everything it started. */
  serviceCores: number;
  memAvailableBytes: number;
  serviceRssBytes: number;
}

interface Reading {
  at: number;
  cpu: CpuTimes;
  ticks: Map<number, number>;
  memAvailableBytes: number;
  serviceRssBytes: number;
  /** The container's CPU use since boot (µs), when it has a CPU limit. */
  cgroupCpuUsec?: number;
}

/**
 * The load between two readings. A process that appeared since the first reading counts all its ticks
 * (it started within the interval); one that vanished is simply gone, so an exit never shows as negative load.
 */
export function loadBetween(prev: Reading, cur: Reading, cores: number): LoadSample {
  const dTotal = cur.cpu.total - prev.cpu.total;
  const dIdle = cur.cpu.idle - prev.cpu.idle;
  const seconds = Math.max(0.001, (cur.at - prev.at) / 1000);
  let serviceTicks = 0;
  for (const [pid, ticks] of cur.ticks) serviceTicks += Math.max(0, ticks - (prev.ticks.get(pid) ?? 0));
  // In a CPU-limited container, "the host" is the container: its limit and its own use.
  const hostBusyCores =
    cur.cgroupCpuUsec !== undefined && prev.cgroupCpuUsec !== undefined
      ? Math.max(0, (cur.cgroupCpuUsec - prev.cgroupCpuUsec) / 1e6 / seconds)
      : dTotal > 0
        ? ((dTotal - dIdle) / dTotal) * cores
        : 0;
  return {
    at: cur.at,
    cores,
    hostBusyCores,
    serviceCores: Math.min(cores, serviceTicks / CLOCK_TICKS_PER_SEC / seconds),
    memAvailableBytes: cur.memAvailableBytes,
    serviceRssBytes: cur.serviceRssBytes,
  };
}

export function readProcessTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const e = parsePidStat(fs.readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (e) table.set(e.pid, e);
    } catch {
      // The process ended between readdir and read.
    }
  }
  return table;
}

function takeReading(root: number, cgroup: CgroupView): Reading {
  const tree = processTree(root, readProcessTable());
  let memAvailableBytes = parseMemAvailable(fs.readFileSync('/proc/meminfo', 'utf8'));
  const used = cgroup.memoryLimitBytes !== undefined ? cgroup.memoryUsageBytes() : undefined;
  if (cgroup.memoryLimitBytes !== undefined && used !== undefined) memAvailableBytes = Math.min(memAvailableBytes, Math.max(0, cgroup.memoryLimitBytes - used));
  const cgroupCpuUsec = cgroup.cpuCores !== undefined ? cgroup.cpuUsageUsec() : undefined;
  return {
    at: Date.now(),
    cpu: parseProcStat(fs.readFileSync('/proc/stat', 'utf8')),
    // A child that ended between readings reappears in its parent's reaped ticks, so it is not lost.
    ticks: new Map(tree.map((e) => [e.pid, e.cpuTicks + e.reapedTicks])),
    memAvailableBytes,
    serviceRssBytes: tree.reduce((sum, e) => sum + e.rssBytes, 0),
    ...(cgroupCpuUsec !== undefined ? { cgroupCpuUsec } : {}),
  };
}

/** Averages the samples of a window: one busy second must not close the host, nor one idle second open it. */
export function averageSamples(samples: readonly LoadSample[]): LoadSample | undefined {
  const last = samples[samples.length - 1];
  if (!last) return undefined;
  const mean = (f: (s: LoadSample) => number): number => samples.reduce((a, s) => a + f(s), 0) / samples.length;
  return { ...last, hostBusyCores: mean((s) => s.hostBusyCores), serviceCores: mean((s) => s.serviceCores) };
}

export interface HostLoadOptions {
  intervalMs?: number;
  /** How many samples are averaged. */
  window?: number;
  /** The process whose tree is "the service" (this process by default). */
  root?: number;
  /** The container's limits; read from /sys/fs/cgroup by default. */
  cgroup?: CgroupView;
}

/**
 * Samples /proc on a timer. Until the second reading exists it reports an idle host, which is what a
 * service that has just started can assume without being wrong for long (one interval).
 */
export class HostLoadMonitor {
  private prev: Reading | undefined;
  private readonly samples: LoadSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(s: LoadSample) => void> = [];
  private readonly cgroup: CgroupView;
  readonly cores: number;

  constructor(private readonly opts: HostLoadOptions = {}) {
    this.cgroup = opts.cgroup ?? readCgroup();
    const cpus = os.availableParallelism();
    this.cores = this.cgroup.cpuCores !== undefined ? Math.min(cpus, this.cgroup.cpuCores) : cpus;
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs ?? 3000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Called with every new sample (not the average). */
  onSample(listener: (s: LoadSample) => void): void {
    this.listeners.push(listener);
  }

  current(): LoadSample {
    return (
      averageSamples(this.samples) ?? {
        at: Date.now(),
        cores: this.cores,
        hostBusyCores: 0,
        serviceCores: 0,
        memAvailableBytes: Math.min(os.freemem(), this.cgroup.memoryLimitBytes ?? Infinity),
        serviceRssBytes: process.memoryUsage().rss,
      }
    );
  }

  private tick(): void {
    let reading: Reading;
    try {
      reading = takeReading(this.opts.root ?? process.pid, this.cgroup);
    } catch {
      return; // no /proc (not Linux): admission then works from slots alone
    }
    const prev = this.prev;
    this.prev = reading;
    if (!prev) return;
    const sample = loadBetween(prev, reading, this.cores);
    this.samples.push(sample);
    if (this.samples.length > (this.opts.window ?? 4)) this.samples.shift();
    for (const l of this.listeners) l(sample);
  }
}
