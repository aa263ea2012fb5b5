/** A deployment's page: each recorder's state as its brewery shows it. */
import { breweryState, releaseRefund, timeLeft } from '../../../lib/dashboard/recorder-view';
import type { Deployment } from '../../../lib/store';

describe("a deployment's page", () => {
  it("shows each recorder's state as the brewery shows it", () => {
    const seen = (present: boolean, busy: boolean, healthy = true) => ({ present, busy, healthy });
    expect(breweryState('creating', undefined)).toBe('starting');
    expect(breweryState('creating', seen(false, false))).toBe('starting');
    expect(breweryState('creating', seen(true, false))).toBe('idle');
    expect(breweryState('ready', seen(true, false))).toBe('idle');
    expect(breweryState('ready', seen(true, true))).toBe('busy');
    expect(breweryState('ready', seen(false, true, false))).toBe('gone');
    expect(breweryState('ready', undefined)).toBe('unknown');
    expect(breweryState('draining', seen(true, true))).toBe('draining');
    expect(breweryState('draining', seen(false, false))).toBe('gone');
    expect(breweryState('removed', seen(true, false))).toBe('gone');
    expect(breweryState('failed', undefined)).toBe('gone');
  });
  it('says the time left', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(timeLeft('2026-01-01T12:05:30Z', now)).toBe('2 h 05 min');
    expect(timeLeft('2026-01-01T10:04:10Z', now)).toBe('4 min 10 s');
    expect(timeLeft('2026-01-01T09:00:00Z', now)).toBe('ended');
    expect(timeLeft(undefined, now)).toBe('—');
  });
  it('offers a release only while running, with the refund the store would give', () => {
    const d: Deployment = { id: 'd', accountId: 'a', domain: 'm.example.com', location: 'lon', backend: 'local', recorders: 2, hours: 2, price: 1, reserved: 4, refunded: 0, slots: 2, state: 'ready', callbackUrl: '', createdAt: '', readyAt: '2026-01-01T10:00:00Z', expiresAt: '2026-01-01T12:00:00Z' };
    expect(releaseRefund(d, Date.parse('2026-01-01T11:00:00Z'))).toBe(2);
    expect(releaseRefund({ ...d, refunded: 3 }, Date.parse('2026-01-01T10:00:00Z'))).toBe(1);
    expect(releaseRefund({ ...d, state: 'expiring' }, Date.parse('2026-01-01T11:00:00Z'))).toBeUndefined();
  });
});
