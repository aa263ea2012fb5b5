/** The recorder's health on its own: checks, links, reports and the recordings that wait to be finalized. */
import { RecorderError } from '../../../lib/errors';
import { RecorderHealth } from '../../../lib/recorder/health';
import type { Session } from '../../../lib/recorder/session';
import type { CheckResult } from '../../../lib/system/health';
import { quietLog, removeUnitDirs, unitConfig } from '../../support/recorder-fakes';

const ok: CheckResult = { healthStatus: 'HEALTHY', detail: 'ok' };
const bad: CheckResult = { healthStatus: 'UNHEALTHY', detail: 'down' };

function health(checks: () => Record<string, CheckResult>): { h: RecorderHealth; changes: () => number } {
  let changes = 0;
  const h = new RecorderHealth({ config: unitConfig(), log: quietLog, healthChecks: () => Promise.resolve(checks()), changed: () => void changes++ });
  return { h, changes: () => changes };
}

/** A session whose files could not be written, until `writable` says they can. */
function unwritten(id: string, writable: () => boolean): Session {
  let error: RecorderError | undefined = new RecorderError({ code: 'DISK_FULL', message: 'full', retryable: false });
  return {
    id,
    get unfinalizedError() {
      return error;
    },
    retryFinalize: () => Promise.resolve((error = writable() ? undefined : error)),
  } as unknown as Session;
}

describe('RecorderHealth', () => {
  afterAll(removeUnitDirs);

  it('can record while the machine checks pass; is healthy only while the links are too', async () => {
    let ffmpeg = ok;
    const { h } = health(() => ({ ffmpeg }));
    await h.refresh();
    expect([h.canRecord, h.status]).toEqual([true, 'HEALTHY']);
    expect(h.setLink('xmpp:a', bad)).toBe(true);
    expect(h.setLink('xmpp:a', bad)).toBe(false);
    expect([h.canRecord, h.status]).toEqual([true, 'UNHEALTHY']);
    ffmpeg = bad;
    await h.refresh();
    expect(h.canRecord).toBe(false);
    expect(h.problems()).toEqual(['ffmpeg: down']);
    expect(h.setLink('xmpp:a', undefined)).toBe(true);
    expect(Object.keys(h.details())).toEqual(['ffmpeg']);
  });

  it('shows the reports of the parts beside it without letting them change health', async () => {
    const { h } = health(() => ({ ffmpeg: ok }));
    h.addReport('uploads', () => ({ healthStatus: 'UNHEALTHY', detail: 'store down', queued: 2 }));
    await h.refresh();
    expect(h.status).toBe('HEALTHY');
    expect(h.details().uploads).toEqual({ healthStatus: 'UNHEALTHY', detail: 'store down', queued: 2 });
  });

  it('keeps a recording whose files could not be written, says why, and finalizes it once the folder takes writes', async () => {
    let recordings = bad;
    const { h, changes } = health(() => ({ recordings }));
    h.keepUnfinalized(unwritten('s1', () => recordings === ok));
    expect(changes()).toBe(1);
    await h.refresh();
    expect(h.details().finalize?.detail).toMatch(/^1 recording\(s\) could not be finalized \(the disk is full\)/);
    recordings = ok;
    await h.refresh();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.details().finalize).toBeUndefined();
    expect(changes()).toBe(2);
    expect(h.canRecord).toBe(true);
  });
});
