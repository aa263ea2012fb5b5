import { averageSamples, loadBetween, parseMemAvailable, parsePidStat, parseProcStat, processTree, type LoadSample } from '../../lib/system/host-load';

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
