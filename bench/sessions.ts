/** What the benches ask of the sessions they start: when they record, and their frame counts over a window. */
import type { Service } from '../lib/compose';
import type { SessionChange } from '../lib/recorder/recorder';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the time the session reached recording; rejects when it fails first. Call before starting it. */
export function waitForRecording(service: Service, sessionId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onSession = (c: SessionChange): void => {
      if (c.session.sessionId !== sessionId) return;
      if (c.state.name === 'recording') {
        service.recorder.off('session', onSession);
        resolve(Date.now());
      } else if (c.state.error) {
        service.recorder.off('session', onSession);
        reject(new Error(`session failed: ${c.state.error.message}`));
      }
    };
    service.recorder.on('session', onSession);
  });
}

/** Waits until every session records; throws on the first that failed, or after `timeoutMs` when given. */
export async function waitForAllRecording(service: Service, ids: readonly string[], timeoutMs?: number): Promise<void> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const states = ids.map((id) => service.recorder.getSession(id)?.state);
    if (states.every((s) => s?.name === 'recording')) return;
    const failed = states.find((s) => s?.error);
    if (failed?.error) throw new Error(`a session failed to start: ${failed.error.message}`);
    if (Date.now() > deadline) throw new Error(`sessions still not recording after ${timeoutMs! / 1000} s: ${states.map((s) => s?.name).join(', ')}`);
    await sleep(100);
  }
}

export type FrameCounts = ReturnType<typeof frameCounts>;
export type SessionFrames = { frames: number; dropped: number; duplicated: number; speed?: number };

/** Each session's frame counters now, to subtract from a later reading (frameDeltas). */
export function frameCounts(service: Service, ids: readonly string[]) {
  return ids.map((id) => service.recorder.getSession(id)!.summary().frames);
}

/** Frames written, dropped and duplicated per session since `before`, and the worst session's share of bad frames in percent. */
export function frameDeltas(service: Service, ids: readonly string[], before: FrameCounts): { perSession: SessionFrames[]; worstBadFramePercent: number } {
  const perSession = ids.map((id, i): SessionFrames => {
    const s = service.recorder.getSession(id)!.summary();
    const f0 = before[i];
    const f = s.frames;
    return {
      frames: (f?.written ?? 0) - (f0?.written ?? 0),
      dropped: (f?.dropped ?? 0) - (f0?.dropped ?? 0),
      duplicated: (f?.duplicated ?? 0) - (f0?.duplicated ?? 0),
      ...(s.encoderSpeed !== undefined ? { speed: s.encoderSpeed } : {}),
    };
  });
  const worstBadFramePercent = Math.max(...perSession.map((p) => ((p.dropped + p.duplicated) / Math.max(1, p.frames)) * 100));
  return { perSession, worstBadFramePercent };
}
