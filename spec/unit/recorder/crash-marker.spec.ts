import { HEARTBEAT_STALE_MS, ownerGone } from '../../../lib/recorder/crash-marker';

const state = (over: Record<string, unknown> = {}) => ({ sessionId: 's', meetingUrl: 'u', mediaFile: '/r/s/a.mp4', metadata: {}, startedAt: '', pid: 7, host: 'rec-a', owner: 'A', ...over });
const here = (over: Record<string, unknown> = {}) => ({ host: 'rec-a', owner: 'B', now: 100000, alive: () => true, ...over });

describe('whose leftover is it', () => {
  it('never takes this process own markers', () => {
    expect(ownerGone({ state: state({ owner: 'B' }), touchedAt: 0 }, here())).toBe(false);
  });

  it('on the same host, a dead pid proves the owner is gone at once', () => {
    expect(ownerGone({ state: state(), touchedAt: 100000 }, here({ alive: () => false }))).toBe(true);
  });

  it('a live pid proves nothing (pids are reused, e.g. pid 7 in every container): the heartbeat decides', () => {
    expect(ownerGone({ state: state(), touchedAt: 100000 - 5000 }, here())).toBe(false);
    expect(ownerGone({ state: state(), touchedAt: 100000 - HEARTBEAT_STALE_MS - 1 }, here())).toBe(true);
  });

  it('a marker from another host (a neighbour container on the same volume) is left alone while its heartbeat is fresh', () => {
    const other = state({ host: 'rec-b' });
    expect(ownerGone({ state: other, touchedAt: 100000 - 5000 }, here({ alive: () => false }))).toBe(false);
    expect(ownerGone({ state: other, touchedAt: 100000 - HEARTBEAT_STALE_MS - 1 }, here({ alive: () => false }))).toBe(true);
  });

  it('reads markers written before host and owner existed as this host', () => {
    expect(ownerGone({ state: state({ host: undefined, owner: undefined }), touchedAt: 100000 }, here({ alive: () => false }))).toBe(true);
  });
});
