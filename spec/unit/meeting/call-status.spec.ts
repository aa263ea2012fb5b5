import {
  CALL_STATUS_INTERVAL_MS,
  CallStatusMonitor,
  DEFAULT_CALL_STATUS_TIMEOUTS,
  isScriptError,
  toCallSample,
  type CallEndEvent,
  type CallSample,
  type CallStatusTimeouts,
} from '../../../lib/meeting/call-status';

/** One remote participant, unmuted, media flowing, ICE connected. */
const healthy: CallSample = { remoteParticipants: 1, mutedParticipants: 0, jigasiParticipants: 0, downloadBitrate: 800, iceConnected: true };
const sample = (over: Partial<CallSample> = {}): CallSample => ({ ...healthy, ...over });
const empty = sample({ remoteParticipants: 0, downloadBitrate: 0 });
const allMuted = sample({ remoteParticipants: 2, mutedParticipants: 2, downloadBitrate: 0 });
const noMedia = sample({ downloadBitrate: 0 });
const iceDown = sample({ iceConnected: false });

const S = 1000;
const T0 = 1_700_000_000_000;

/** A monitor created at T0 and a fake clock: `at(sec, sample)` observes at T0 + sec seconds. */
function monitor(timeouts: Partial<CallStatusTimeouts> = {}) {
  const m = new CallStatusMonitor(T0, { ...DEFAULT_CALL_STATUS_TIMEOUTS, ...timeouts });
  return {
    m,
    at: (sec: number, s: CallSample): CallEndEvent | undefined => m.observe(s, T0 + sec * S),
    /** Observes `s` every `stepSec` from `fromSec` to `toSec` inclusive; returns the first event and when. */
    run(fromSec: number, toSec: number, s: CallSample, stepSec = 15): { event: CallEndEvent; sec: number } | undefined {
      for (let sec = fromSec; sec <= toSec; sec += stepSec) {
        const event = m.observe(s, T0 + sec * S);
        if (event) return { event, sec };
      }
      return undefined;
    },
  };
}

describe('call status defaults', () => {
  it("are Jibri's: 30 s empty, 10 min all muted, 3 min no media, 30 s ICE, polled every 15 s", () => {
    expect(DEFAULT_CALL_STATUS_TIMEOUTS).toEqual({ callEmptySec: 30, allMutedSec: 600, noMediaSec: 180, iceSec: 30 });
    expect(CALL_STATUS_INTERVAL_MS).toBe(15_000);
  });
  it('the monitor uses them when given none', () => {
    const m = new CallStatusMonitor(T0);
    expect(m.observe(empty, T0)).toBeUndefined();
    expect(m.observe(empty, T0 + 30 * S)).toBeUndefined();
    expect(m.observe(empty, T0 + 30 * S + 1)?.reason).toBe('call-empty');
  });
  it('refuses negative or non-finite timeouts', () => {
    expect(() => new CallStatusMonitor(T0, { ...DEFAULT_CALL_STATUS_TIMEOUTS, iceSec: -1 })).toThrow(/iceSec/);
    expect(() => new CallStatusMonitor(T0, { ...DEFAULT_CALL_STATUS_TIMEOUTS, noMediaSec: Number.NaN })).toThrow(/noMediaSec/);
  });
});

describe('a healthy call', () => {
  it('never ends, polled every 15 s for two hours', () => {
    const { run } = monitor();
    expect(run(15, 7200, healthy)).toBeUndefined();
  });
  it('with some (not all) participants muted and jigasi present never ends', () => {
    const { run } = monitor();
    expect(run(15, 7200, sample({ remoteParticipants: 3, mutedParticipants: 1, jigasiParticipants: 1 }))).toBeUndefined();
  });
});

describe('call empty', () => {
  it('ends normally strictly after 30 s, counted from the first empty poll', () => {
    const { at } = monitor();
    expect(at(15, empty)).toBeUndefined(); // first seen empty
    expect(at(45, empty)).toBeUndefined(); // exactly 30 s: not yet
    expect(at(45.001, empty)).toEqual({ reason: 'call-empty', error: false, message: 'Call empty for more than 30 s' });
  });
  it("at Jibri's 15 s cadence, ends at the third poll after the first empty one", () => {
    const { run } = monitor();
    expect(run(15, 600, empty)).toEqual({ event: expect.objectContaining({ reason: 'call-empty' }), sec: 60 });
  });
  it('the clock starts at the first empty poll, not at the join', () => {
    const { at } = monitor();
    expect(at(100, healthy)).toBeUndefined();
    expect(at(115, empty)).toBeUndefined();
    expect(at(145, empty)).toBeUndefined();
    expect(at(146, empty)?.reason).toBe('call-empty');
  });
  it('resets when someone comes back', () => {
    const { at } = monitor();
    expect(at(0, empty)).toBeUndefined();
    expect(at(29, empty)).toBeUndefined();
    expect(at(30, healthy)).toBeUndefined();
    expect(at(31, empty)).toBeUndefined(); // a new run starts here
    expect(at(61, empty)).toBeUndefined();
    expect(at(61.5, empty)?.reason).toBe('call-empty');
  });
  it('is configurable and disabled by 0 (nothing else ends an empty call either)', () => {
    expect(monitor({ callEmptySec: 5 }).run(0, 100, empty, 1)).toEqual({ event: expect.objectContaining({ reason: 'call-empty' }), sec: 6 });
    expect(monitor({ callEmptySec: 0 }).run(0, 3 * 3600, empty)).toBeUndefined();
  });
});

describe('all muted', () => {
  it('ends normally strictly after 10 min of every remote participant muted', () => {
    const { at } = monitor();
    expect(at(15, allMuted)).toBeUndefined();
    expect(at(615, allMuted)).toBeUndefined();
    expect(at(615.001, allMuted)).toEqual({ reason: 'all-muted', error: false, message: 'All participants muted for more than 600 s' });
  });
  it('counts jigasi participants as muted (they publish no mute state)', () => {
    const { run } = monitor();
    const mutedAndPhone = sample({ remoteParticipants: 2, mutedParticipants: 1, jigasiParticipants: 1, downloadBitrate: 0 });
    expect(run(15, 3600, mutedAndPhone)).toEqual({ event: expect.objectContaining({ reason: 'all-muted' }), sec: 630 });
    // Kept from Jibri: a call of phone participants only counts as all muted.
    const phonesOnly = sample({ remoteParticipants: 1, mutedParticipants: 0, jigasiParticipants: 1, downloadBitrate: 300 });
    expect(monitor().run(15, 3600, phonesOnly)?.event.reason).toBe('all-muted');
  });
  it('resets when anyone unmutes', () => {
    const { at } = monitor();
    expect(at(0, allMuted)).toBeUndefined();
    expect(at(599, allMuted)).toBeUndefined();
    expect(at(600, sample({ remoteParticipants: 2, mutedParticipants: 1 }))).toBeUndefined();
    expect(at(601, allMuted)).toBeUndefined();
    expect(at(1201, allMuted)).toBeUndefined();
    expect(at(1201.001, allMuted)?.reason).toBe('all-muted');
  });
  it('keeps running while muted people come and go, as long as everyone there is muted', () => {
    const { at } = monitor();
    expect(at(0, allMuted)).toBeUndefined();
    expect(at(300, sample({ remoteParticipants: 1, mutedParticipants: 1, downloadBitrate: 0 }))).toBeUndefined();
    expect(at(600.5, sample({ remoteParticipants: 3, mutedParticipants: 3, downloadBitrate: 0 }))?.reason).toBe('all-muted');
  });
  it('an empty call is not "all muted": the clock restarts when people come back (unlike Jibri)', () => {
    const { at } = monitor({ callEmptySec: 0 });
    expect(at(0, allMuted)).toBeUndefined();
    expect(at(500, empty)).toBeUndefined();
    expect(at(550, allMuted)).toBeUndefined(); // restarts here
    expect(at(1150, allMuted)).toBeUndefined();
    expect(at(1151, allMuted)?.reason).toBe('all-muted');
  });
  it('is configurable and disabled by 0; all muted is never "no media"', () => {
    expect(monitor({ allMutedSec: 60 }).run(0, 600, allMuted)).toEqual({ event: expect.objectContaining({ reason: 'all-muted' }), sec: 75 });
    expect(monitor({ allMutedSec: 0 }).run(0, 3 * 3600, allMuted)).toBeUndefined();
  });
});

describe('no media', () => {
  it('is an error strictly after 3 min without download bitrate, counted from the join', () => {
    const { at } = monitor();
    expect(at(15, noMedia)).toBeUndefined();
    expect(at(180, noMedia)).toBeUndefined();
    expect(at(180.001, noMedia)).toEqual({ reason: 'no-media', error: true, message: 'No media received for more than 180 s' });
  });
  it('resets on any poll with media', () => {
    const { at } = monitor();
    expect(at(170, noMedia)).toBeUndefined();
    expect(at(175, healthy)).toBeUndefined();
    expect(at(355, noMedia)).toBeUndefined();
    expect(at(355.5, noMedia)?.reason).toBe('no-media');
  });
  it('any non-zero bitrate counts as media', () => {
    expect(monitor().run(15, 3600, sample({ downloadBitrate: 1 }))).toBeUndefined();
  });
  it('an empty call counts as receiving media (nobody to receive from)', () => {
    const { at } = monitor({ callEmptySec: 0 });
    expect(at(170, empty)).toBeUndefined();
    expect(at(349, noMedia)).toBeUndefined();
    expect(at(350.001, noMedia)?.reason).toBe('no-media');
  });
  it('all muted counts as receiving media, so an unmute gets the full timeout', () => {
    const { at } = monitor();
    expect(at(100, allMuted)).toBeUndefined();
    expect(at(500, allMuted)).toBeUndefined();
    const unmutedNoMedia = sample({ remoteParticipants: 2, mutedParticipants: 1, downloadBitrate: 0 });
    expect(at(515, unmutedNoMedia)).toBeUndefined();
    expect(at(680, unmutedNoMedia)).toBeUndefined();
    expect(at(681, unmutedNoMedia)?.reason).toBe('no-media');
  });
  it('is configurable and disabled by 0', () => {
    expect(monitor({ noMediaSec: 20 }).run(0, 600, noMedia, 5)).toEqual({ event: expect.objectContaining({ reason: 'no-media' }), sec: 25 });
    expect(monitor({ noMediaSec: 0 }).run(0, 3 * 3600, noMedia)).toBeUndefined();
  });
});

describe('ICE', () => {
  it('is an error strictly after 30 s not connected while others are there, counted from the join', () => {
    const { at } = monitor();
    expect(at(15, iceDown)).toBeUndefined();
    expect(at(30, iceDown)).toBeUndefined();
    expect(at(30.001, iceDown)).toEqual({ reason: 'ice-failed', error: true, message: 'ICE failed: not connected for more than 30 s' });
  });
  it('counts from the last connected poll', () => {
    const { at } = monitor();
    expect(at(100, healthy)).toBeUndefined();
    expect(at(115, iceDown)).toBeUndefined();
    expect(at(130, iceDown)).toBeUndefined();
    expect(at(131, iceDown)?.reason).toBe('ice-failed');
  });
  it('a reconnect resets it', () => {
    const { at } = monitor();
    expect(at(29, iceDown)).toBeUndefined();
    expect(at(30, healthy)).toBeUndefined();
    expect(at(60, iceDown)).toBeUndefined();
    expect(at(60.5, iceDown)?.reason).toBe('ice-failed');
  });
  it('an empty call needs no connection, and counts as connected', () => {
    const { at } = monitor({ callEmptySec: 0 });
    expect(at(600, sample({ remoteParticipants: 0, iceConnected: false }))).toBeUndefined();
    expect(at(630, iceDown)).toBeUndefined();
    expect(at(631, iceDown)?.reason).toBe('ice-failed');
  });
  it('is configurable and disabled by 0', () => {
    expect(monitor({ iceSec: 3 }).run(0, 100, iceDown, 1)?.sec).toBe(4);
    expect(monitor({ iceSec: 0 }).run(0, 3 * 3600, iceDown)).toBeUndefined();
  });
});

describe('order of the checks', () => {
  it('no media is reported before an ICE failure due at the same poll', () => {
    const { run } = monitor({ noMediaSec: 30, iceSec: 30 });
    expect(run(15, 600, sample({ downloadBitrate: 0, iceConnected: false }))?.event.reason).toBe('no-media');
  });
  it('all muted is reported before an ICE failure due at the same poll', () => {
    const { run } = monitor({ allMutedSec: 30, iceSec: 30 });
    expect(run(0, 600, sample({ remoteParticipants: 1, mutedParticipants: 1, downloadBitrate: 0, iceConnected: false }))?.event.reason).toBe(
      'all-muted',
    );
  });
  it('call empty comes first: an empty call never fails media or ICE', () => {
    const { run } = monitor({ noMediaSec: 1, iceSec: 1 });
    expect(run(0, 600, sample({ remoteParticipants: 0, downloadBitrate: 0, iceConnected: false }), 1)).toEqual({
      event: expect.objectContaining({ reason: 'call-empty', error: false }),
      sec: 31,
    });
  });
  it('the earliest due check wins when they fall due at different polls', () => {
    const { run } = monitor({ noMediaSec: 60, iceSec: 30 });
    expect(run(15, 600, sample({ downloadBitrate: 0, iceConnected: false }))?.event.reason).toBe('ice-failed');
  });
});

describe('after an event', () => {
  it('the monitor is over: it returns the same event whatever follows', () => {
    const { at, m } = monitor();
    const event = at(31, iceDown);
    expect(event?.reason).toBe('ice-failed');
    expect(m.ended).toBe(event);
    expect(at(32, healthy)).toBe(event);
    expect(m.observeFailure('late')).toBe(event);
  });
});

describe('script failures', () => {
  it('are "Chrome hung" errors', () => {
    const { m } = monitor();
    expect(m.ended).toBeUndefined();
    const event = m.observeFailure('page.evaluate: Timeout 5000ms exceeded');
    expect(event).toEqual({ reason: 'chrome-hung', error: true, message: 'Chrome hung: page.evaluate: Timeout 5000ms exceeded' });
    expect(m.observe(healthy, T0 + 1)).toBe(event);
  });
});

describe('toCallSample', () => {
  it('keeps a well-formed page result', () => {
    expect(toCallSample({ ...healthy, hiddenParticipants: 2 })).toEqual(healthy);
  });
  it("passes a script error through, and calls anything that's not an object an error", () => {
    expect(toCallSample({ error: 'APP is not defined' })).toEqual({ error: 'APP is not defined' });
    const bad = toCallSample('oops');
    expect(isScriptError(bad) && bad.error).toMatch(/unexpected page result: oops/);
    expect(isScriptError(toCallSample(null))).toBe(true);
  });
  it("gives fields of the wrong type Jibri's defaults", () => {
    expect(toCallSample({ remoteParticipants: 'x', mutedParticipants: null, downloadBitrate: '12', iceConnected: 'connected' })).toEqual({
      remoteParticipants: 0,
      mutedParticipants: 0,
      jigasiParticipants: 0,
      downloadBitrate: 0,
      iceConnected: false,
    });
    expect(toCallSample({ remoteParticipants: -2, downloadBitrate: Number.NaN })).toMatchObject({ remoteParticipants: 0, downloadBitrate: 0 });
  });
});
