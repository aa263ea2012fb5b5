/** JIBRI_SHUTDOWN_AT: the recorder asks itself for Jibri's shutdown at that instant, and only then. */
import { createLogger } from '../../lib/log';
import { scheduleShutdown } from '../../lib/lifecycle';

describe('scheduleShutdown', () => {
  const log = createLogger('error', { silent: true });
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('asks for shutdown at the instant, not before; at once when it has passed; never when cancelled or unset', () => {
    const asked: string[] = [];
    const lifecycle = { request: (what: string) => void asked.push(what) };
    const now = Date.now();
    scheduleShutdown(now + 60_000, lifecycle, log);
    jest.advanceTimersByTime(59_999);
    expect(asked).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(asked).toEqual(['shutdown']);

    scheduleShutdown(now - 1, lifecycle, log);
    expect(asked).toEqual(['shutdown', 'shutdown']);

    scheduleShutdown(Date.now() + 1000, lifecycle, log)!.cancel();
    jest.advanceTimersByTime(5000);
    expect(asked).toHaveLength(2);
    expect(scheduleShutdown(undefined, lifecycle as never, log)).toBeUndefined();
  });

  it('reaches an instant beyond what one timer can wait (24.8 days)', () => {
    const asked: string[] = [];
    scheduleShutdown(Date.now() + 40 * 24 * 3600_000, { request: (w: string) => void asked.push(w) }, log);
    jest.advanceTimersByTime(30 * 24 * 3600_000);
    expect(asked).toEqual([]);
    jest.advanceTimersByTime(10 * 24 * 3600_000);
    expect(asked).toEqual(['shutdown']);
  });
});
