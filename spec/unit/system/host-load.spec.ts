import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { averageSamples, loadBetween, parseCpuLimit, parseMemAvailable, parseMemoryLimit, parsePidStat, parseProcStat, processTree, readCgroup, type LoadSample } from '../../../lib/system/host-load';

describe('reading /proc', () => {
  it('parses the aggregate cpu line, idle including iowait', () => {
    const text = 'cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 50 2 25 400 10 0 1 1 0 0\n';
    expect(parseProcStat(text)).toEqual({ total: 981, idle: 820 });
  });

  it('parses MemAvailable', () => {
    expect(parseMemAvailable('MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   2048 kB\n')).toBe(2048 * 1024);
  });

  it('parses a pid stat line whose command holds spaces and parentheses', () => {
    const line = '4242 (Chrome (Renderer) x) S 4000 4242 4242 0 -1 4194560 1 0 0 0 150 50 0 0 20 0 10 0 12345 100000 2500 18446744073709551615';
    expect(parsePidStat(line)).toEqual({ pid: 4242, ppid: 4000, cpuTicks: 200, reapedTicks: 0, rssBytes: 2500 * 4096 });
    expect(parsePidStat('garbage')).toBeUndefined();
  });

  it('walks the process tree below a root', () => {
    const e = (pid: number, ppid: number) => [pid, { pid, ppid, cpuTicks: 0, reapedTicks: 0, rssBytes: 0 }] as const;
    const table = new Map([e(1, 0), e(10, 1), e(11, 10), e(12, 11), e(20, 1), e(13, 10)]);
    expect(processTree(10, table).map((p) => p.pid).sort()).toEqual([10, 11, 12, 13]);
    expect(processTree(99, table)).toEqual([]);
  });

  it('turns two readings into cores, never counting an exited process as negative load', () => {
    const prev = { at: 0, cpu: { total: 0, idle: 0 }, ticks: new Map([[1, 100], [2, 500]]), memAvailableBytes: 1, serviceRssBytes: 1 };
    // 2 s later on 2 cores: 400 jiffies, 100 idle -> 1.5 cores busy. Pid 1 used 60 ticks, pid 2 exited, pid 3 is new with 40.
    const cur = { at: 2000, cpu: { total: 400, idle: 100 }, ticks: new Map([[1, 160], [3, 40]]), memAvailableBytes: 5, serviceRssBytes: 7 };
    const s = loadBetween(prev, cur, 2);
    expect(s.hostBusyCores).toBeCloseTo(1.5, 5);
    expect(s.serviceCores).toBeCloseTo(0.5, 5);
    expect(s.memAvailableBytes).toBe(5);
  });

  it('averages a window of samples', () => {
    const s = (busy: number): LoadSample => ({ at: busy, cores: 2, hostBusyCores: busy, serviceCores: busy / 2, memAvailableBytes: busy, serviceRssBytes: busy });
    expect(averageSamples([s(1), s(2), s(3)])).toMatchObject({ hostBusyCores: 2, serviceCores: 1, memAvailableBytes: 3 });
    expect(averageSamples([])).toBeUndefined();
  });
});

describe('container limits', () => {
  it('reads a CPU limit from cgroup v2 cpu.max or v1 quota and period', () => {
    expect(parseCpuLimit('150000 100000\n')).toBe(1.5);
    expect(parseCpuLimit('max 100000\n')).toBeUndefined();
    expect(parseCpuLimit(undefined, '200000\n', '100000\n')).toBe(2);
    expect(parseCpuLimit(undefined, '-1\n', '100000\n')).toBeUndefined();
    expect(parseCpuLimit(undefined, undefined, undefined)).toBeUndefined();
  });

  it('reads a memory limit, and treats max or 2^63 as none', () => {
    expect(parseMemoryLimit('3221225472\n')).toBe(3221225472);
    expect(parseMemoryLimit('max\n')).toBeUndefined();
    expect(parseMemoryLimit('9223372036854771712\n')).toBeUndefined();
  });

  it('finds the limits and usage in a cgroup v2 and a v1 layout', () => {
    const v2 = fs.mkdtempSync(path.join(os.tmpdir(), 'cg2-'));
    fs.writeFileSync(path.join(v2, 'cgroup.controllers'), 'cpu memory\n');
    fs.writeFileSync(path.join(v2, 'cpu.max'), '150000 100000\n');
    fs.writeFileSync(path.join(v2, 'memory.max'), '3221225472\n');
    fs.writeFileSync(path.join(v2, 'cpu.stat'), 'usage_usec 123456\nuser_usec 1\n');
    fs.writeFileSync(path.join(v2, 'memory.current'), '1073741824\n');
    const a = readCgroup(v2);
    expect([a.cpuCores, a.memoryLimitBytes, a.cpuUsageUsec(), a.memoryUsageBytes()]).toEqual([1.5, 3221225472, 123456, 1073741824]);

    const v1 = fs.mkdtempSync(path.join(os.tmpdir(), 'cg1-'));
    for (const d of ['cpu', 'cpuacct', 'memory']) fs.mkdirSync(path.join(v1, d));
    fs.writeFileSync(path.join(v1, 'cpu/cpu.cfs_quota_us'), '-1\n');
    fs.writeFileSync(path.join(v1, 'cpu/cpu.cfs_period_us'), '100000\n');
    fs.writeFileSync(path.join(v1, 'cpuacct/cpuacct.usage'), '5000000\n');
    fs.writeFileSync(path.join(v1, 'memory/memory.limit_in_bytes'), '9223372036854771712\n');
    const b = readCgroup(v1);
    expect(b.cpuCores).toBeUndefined();
    expect(b.memoryLimitBytes).toBeUndefined();
    expect(b.cpuUsageUsec()).toBe(5000);
  });

  it("in a CPU-limited container, the busy cores are the container's own use", () => {
    const prev = { at: 0, cpu: { total: 0, idle: 0 }, ticks: new Map<number, number>(), memAvailableBytes: 1, serviceRssBytes: 1, cgroupCpuUsec: 1_000_000 };
    const cur = { at: 2000, cpu: { total: 6400, idle: 100 }, ticks: new Map<number, number>(), memAvailableBytes: 1, serviceRssBytes: 1, cgroupCpuUsec: 3_000_000 };
    expect(loadBetween(prev, cur, 1.5).hostBusyCores).toBeCloseTo(1, 5);
  });
});
