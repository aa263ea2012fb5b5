import { admit, autoSlots, AvailabilityGate, CostModel, MEMORY_RESERVE_BYTES, REOPEN_AFTER_MS, type AdmissionInput } from '../../../lib/recorder/admission';
import type { LoadSample } from '../../../lib/system/host-load';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

function load(over: Partial<LoadSample> = {}): LoadSample {
  return { at: 0, cores: 2, hostBusyCores: 0.1, serviceCores: 0.05, memAvailableBytes: 8 * GB, serviceRssBytes: 200 * MB, ...over };
}

function input(over: Partial<AdmissionInput> = {}): AdmissionInput {
  return { load: load(), cpuTarget: 0.9, running: 0, freeSlots: 1, cost: { cpuCores: 0.6, memoryBytes: 450 * MB }, draining: false, expired: false, ...over };
}

describe('admission', () => {
  it('takes a session on an idle host with a free slot', () => {
    expect(admit(input())).toMatchObject({ accept: true });
  });

  it('plans our running sessions at their cost, and one more must fit under the CPU target', () => {
    // 0.05 other + 2 x 0.6 = 1.25 <= 1.8: a second session fits on two cores.
    expect(admit(input({ running: 1, freeSlots: 1, load: load({ hostBusyCores: 0.7, serviceCores: 0.65 }) })).accept).toBe(true);
    // 0.05 other + 3 x 0.6 = 1.85 > 1.8: a third does not.
    const third = admit(input({ running: 2, freeSlots: 1, load: load({ hostBusyCores: 1.3, serviceCores: 1.25 }) }));
    expect(third.accept).toBe(false);
    expect(third.refusal).toMatch(/not enough CPU/);
  });

  it('always takes the first session, whatever the load, as Jibri takes its only one', () => {
    const loaded = load({ hostBusyCores: 2, serviceCores: 0, memAvailableBytes: 100 * MB });
    expect(admit(input({ load: loaded, slowestEncoderSpeed: 0.5 }))).toMatchObject({ accept: true, first: true });
    expect(admit(input({ load: loaded, freeSlots: 3 }))).toMatchObject({ accept: true });
  });

  it('counts load that is not ours against a further session, however busy our own sessions are', () => {
    const loaded = admit(input({ running: 1, load: load({ hostBusyCores: 1.9, serviceCores: 0.05 }) }));
    expect(loaded).toMatchObject({ accept: false, forLoad: true });
    expect(loaded.refusal).toMatch(/1\.85 cores of other load/);
    expect(loaded.cpuHeadroom).toBeCloseTo(0.05, 5);
    // The same busy CPU, but it is our own session: planned at its cost, not at its spike.
    expect(admit(input({ running: 1, load: load({ hostBusyCores: 1.9, serviceCores: 1.85 }) })).accept).toBe(true);
  });

  it('refuses when no slot is free, while draining, when expired, or when an encoder falls behind', () => {
    expect(admit(input({ freeSlots: 0 })).refusal).toBe('every slot is busy');
    expect(admit(input({ draining: true })).refusal).toMatch(/shutting down/);
    expect(admit(input({ expired: true })).refusal).toMatch(/single-use/);
    expect(admit(input({ running: 1, slowestEncoderSpeed: 0.9 })).refusal).toMatch(/not keeping real time \(speed 0\.90x\)/);
    expect(admit(input({ running: 1, slowestEncoderSpeed: 0.99 })).accept).toBe(true);
  });

  it('plans each running session at its own kind\'s cost, and the new one at its own', () => {
    // Two cores, target 1.8: 0.05 other + 2 running with a picture (1.2) + one more with a picture (0.6) = 1.85: no.
    const busy = load({ hostBusyCores: 1.3, serviceCores: 1.25 });
    expect(admit(input({ running: 2, runningCpuCores: 1.2, load: busy })).accept).toBe(false);
    // ...but an audio-only one (0.3) fits: 1.55.
    expect(admit(input({ running: 2, runningCpuCores: 1.2, cost: { cpuCores: 0.3, memoryBytes: 450 * MB }, load: busy })).accept).toBe(true);
    // And two audio-only sessions running (0.6) leave room for one with a picture.
    expect(admit(input({ running: 2, runningCpuCores: 0.6, load: busy })).accept).toBe(true);
  });

  it('keeps a memory reserve beyond one session', () => {
    const tight = admit(input({ running: 1, load: load({ memAvailableBytes: MEMORY_RESERVE_BYTES + 400 * MB }) }));
    expect(tight.accept).toBe(false);
    expect(tight.refusal).toMatch(/not enough memory .*400 MB free, one session takes 450 MB/);
  });

  it('sizes auto slots from CPU and memory, at least one', () => {
    const capacity = { cpuTarget: 0.9, sessionCpuCores: 0.6, sessionMemoryBytes: 450 * MB };
    expect(autoSlots(load(), capacity)).toBe(2); // (1.8 - 0.05) / 0.6
    expect(autoSlots(load({ cores: 16, hostBusyCores: 0, serviceCores: 0 }), capacity)).toBe(17); // memory: (8 GB - 256 MB) / 450 MB
    expect(autoSlots(load({ hostBusyCores: 2, serviceCores: 0 }), capacity)).toBe(1);
  });
});

describe('availability hysteresis', () => {
  // One session runs; the question is always a second one.
  const ask = (otherLoad: number) => (withMargin = false) => admit(input({ running: 1, withMargin, load: load({ hostBusyCores: otherLoad + 0.6, serviceCores: 0.6 }) }));

  it('closes at once when load refuses, and opens again only with a margin held for a while', () => {
    const gate = new AvailabilityGate();
    let t = 0;
    const decide = (other: number) => gate.decide(ask(other)(), () => ask(other)(true), t);
    expect(decide(0.2).accept).toBe(true);
    // 0.65 other + 2 x 0.6 = 1.85 > 1.8: closed.
    expect(decide(0.65).accept).toBe(false);
    expect(gate.isClosed).toBe(true);
    // Just under the budget again (1.75), but without the half-session margin: stays closed.
    t += 60000;
    expect(decide(0.55).accept).toBe(false);
    // With the margin (0.2 + 2.5 x 0.6 = 1.7), for less than the hold time: still closed, and it says when.
    t += 1000;
    const waiting = decide(0.2);
    expect(waiting.accept).toBe(false);
    expect(waiting.refusal).toMatch(/open again in \d+ s if it stays so/);
    t += REOPEN_AFTER_MS - 1000;
    expect(decide(0.2).accept).toBe(false);
    t += 1000;
    expect(decide(0.2).accept).toBe(true);
    expect(gate.isClosed).toBe(false);
  });

  it('does not flap when load hovers around the limit', () => {
    const gate = new AvailabilityGate();
    let flips = 0;
    let last = true;
    // Load that swings across the limit every 3 s sample for five minutes.
    for (let t = 0; t < 300000; t += 3000) {
      const other = (t / 3000) % 2 ? 0.65 : 0.55;
      const d = gate.decide(ask(other)(), () => ask(other)(true), t);
      if (d.accept !== last) flips++;
      last = d.accept;
    }
    expect(flips).toBe(1);
  });

  it('never holds back the first session or a non-load refusal', () => {
    const gate = new AvailabilityGate();
    gate.decide(ask(1.5)(), () => ask(1.5)(true), 0);
    expect(gate.isClosed).toBe(true);
    const first = admit(input({ load: load({ hostBusyCores: 2 }) }));
    expect(gate.decide(first, () => first, 1000).accept).toBe(true);
    const full = admit(input({ running: 1, freeSlots: 0 }));
    expect(gate.decide(full, () => full, 1000).refusal).toBe('every slot is busy');
  });
});

describe('session cost model', () => {
  it('starts from the estimate and learns the per-session cost above the idle service', () => {
    const model = new CostModel({ cpuCores: 0.6, memoryBytes: 450 * MB });
    for (let i = 0; i < 50; i++) model.observe(load({ serviceCores: 0.1, serviceRssBytes: 300 * MB }), 0, 0);
    expect(model.current.cpuCores).toBe(0.6);
    // Two steady sessions using 0.9 cores above idle: 0.45 each.
    for (let i = 0; i < 100; i++) model.observe(load({ serviceCores: 1.0, serviceRssBytes: 900 * MB }), 2, 2);
    expect(model.current.cpuCores).toBeCloseTo(0.45, 2);
    expect(model.current.memoryBytes / MB).toBeCloseTo(300, 0);
    expect(model.samples).toBe(100);
  });

  it('replaces the configured estimate with the first steady measurement, then averages the next ones', () => {
    const model = new CostModel({ cpuCores: 0.6, memoryBytes: 450 * MB });
    for (let i = 0; i < 3; i++) model.observe(load({ serviceCores: 0.1, serviceRssBytes: 200 * MB }), 0, 0);
    // One session measured at 0.9 cores above idle: a host this slow must not be planned at 0.6 for a minute.
    model.observe(load({ serviceCores: 1.0, serviceRssBytes: 500 * MB }), 1, 1);
    expect(model.current.cpuCores).toBeCloseTo(0.9, 5);
    expect(model.current.memoryBytes / MB).toBeCloseTo(300, 5);
    model.observe(load({ serviceCores: 0.8, serviceRssBytes: 500 * MB }), 1, 1);
    expect(model.current.cpuCores).toBeCloseTo(0.8, 5);
    expect(model.samples).toBe(2);
  });

  it('takes the least of the idle samples as idle: the spare browser launching is not the baseline', () => {
    const model = new CostModel({ cpuCores: 0.6, memoryBytes: 450 * MB });
    model.observe(load({ serviceCores: 0.5 }), 0, 0);
    model.observe(load({ serviceCores: 0.1 }), 0, 0);
    model.observe(load({ serviceCores: 0.12 }), 0, 0);
    model.observe(load({ serviceCores: 1.0 }), 1, 1);
    expect(model.current.cpuCores).toBeCloseTo(0.9, 5);
  });

  it('subtracts nothing for idle until it has seen a few idle samples', () => {
    // A service that records within seconds of starting has only seen its spare browser launch.
    const model = new CostModel({ cpuCores: 0.6, memoryBytes: 450 * MB });
    model.observe(load({ serviceCores: 0.6 }), 0, 0);
    model.observe(load({ serviceCores: 0.9 }), 1, 1);
    expect(model.current.cpuCores).toBeCloseTo(0.9, 5);
  });

  it('ignores samples taken while a session is still starting', () => {
    const model = new CostModel({ cpuCores: 0.6, memoryBytes: 450 * MB });
    model.observe(load({ serviceCores: 2 }), 1, 2);
    model.observe(load({ serviceCores: 2 }), 0, 1);
    expect(model.current.cpuCores).toBe(0.6);
    expect(model.samples).toBe(0);
  });

  describe('disk', () => {
    const disk = (freeBytes: number) => ({ freeBytes, perSessionBytes: 2048 * MB });

    it('takes a session while every running one and the new one have their share of the disk', () => {
      expect(admit(input({ disk: disk(5 * GB) })).accept).toBe(true);
      expect(admit(input({ running: 1, freeSlots: 1, load: load({ hostBusyCores: 0.7, serviceCores: 0.65 }), disk: disk(5 * GB) })).accept).toBe(true);
    });

    it('refuses a start that would leave a running session without room, and says what to do', () => {
      const r = admit(input({ running: 1, freeSlots: 1, load: load({ hostBusyCores: 0.7, serviceCores: 0.65 }), disk: disk(3 * GB) }));
      expect(r.accept).toBe(false);
      expect(r.refusal).toMatch(/not enough disk for one more session \(3072 MB free for recordings, 2 x 2048 MB needed/);
      expect(r.refusal).toMatch(/JIBRI_SESSION_DISK_ESTIMATE/);
      // A first session is taken whatever the estimate says: nothing runs that it could break, and the
      // recordings health check refuses below its own minimum.
      expect(admit(input({ disk: disk(100 * MB) })).accept).toBe(true);
    });

    it('does not check the disk when the estimate is 0', () => {
      expect(admit(input({ disk: { freeBytes: 0, perSessionBytes: 0 } })).accept).toBe(true);
    });
  });
});
