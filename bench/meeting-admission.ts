/**
 * Capacity through admission (`BENCH_MEETING_PARTS=admission`, part of the meeting bench): the same
 * meetings started one after another through the service's HTTP API with admission as a user gets it
 * (JIBRI_SESSION_CPU_ESTIMATE=auto, JIBRI_CPU_TARGET=90, not opened wide as the other parts do), each once
 * the previous one has recorded long enough for its cost to be learned, until the service refuses one.
 * Then every accepted session records on and its frames are counted. The service should take what the
 * host carries (the capacity part's ramp) and refuse the rest: every taken session under 1 % bad frames.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import type { Config } from '../lib/config';
import { startFileRecording, stopRecording } from '../lib/demo/client';
import { createLogger } from '../lib/log';
import type { StandIn } from '../testkit/jitsi-standin/server';
import { frameCounts, frameDeltas, waitForRecording, type SessionFrames } from './sessions';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** After a session records, the wait before the next start: past the 6 s a session needs to be steady, and two load samples. */
const SETTLE_SEC = 12;

export interface AdmissionRun {
  tiles: number;
  height: number;
  /** Sessions the service took before it refused one (or `maxSessions`). */
  accepted: number;
  refusal?: string;
  /** The learned cost of one session when the refusal came, in cores. */
  learnedCores: number;
  perSession: SessionFrames[];
  worstBadFramePercent: number;
  ok: boolean;
}

export interface AdmissionOptions {
  tiles: number;
  height: number;
  seconds: number;
  maxSessions: number;
  /** The meeting bench's service configuration for this many slots, with these settings' env. */
  config: (slots: number, recordings: string, env: Record<string, string>) => Config;
  /** Puts a meeting of `tiles` participants in `room` on the stand-in. */
  setMeeting: (room: string) => Promise<void>;
}

export async function admissionRamp(standIn: StandIn, o: AdmissionOptions): Promise<AdmissionRun> {
  const recordings = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-admission-'));
  // Admission as shipped: the defaults the meeting bench's other parts override.
  const config = o.config(o.maxSessions + 1, recordings, { JIBRI_SESSION_CPU_ESTIMATE: 'auto', JIBRI_CPU_TARGET: '90' });
  const service = await compose(config, createLogger('error'), { exit: () => undefined });
  const api = `${service.http.url}/jibri/api/v1.0`;
  const tag = `adm-${o.tiles}p-${o.height}-${Date.now() % 100000}`;
  const ids: string[] = [];
  let refusal: string | undefined;
  try {
    await sleep(4000);
    while (ids.length < o.maxSessions) {
      const id = `${tag}-${ids.length}`;
      const room = `meeting-${id}`;
      await o.setMeeting(room);
      const recording = waitForRecording(service, id);
      try {
        await startFileRecording(api, id, standIn.baseUrl, room);
      } catch (err) {
        recording.catch(() => undefined);
        refusal = (err as Error).message;
        break;
      }
      await recording;
      ids.push(id);
      process.stderr.write(`  admission: session ${ids.length} taken, learned cost ${service.recorder.capacity().sessionCost.cpuCores.toFixed(2)} cores\n`);
      await sleep(SETTLE_SEC * 1000);
    }
    const learnedCores = service.recorder.capacity().sessionCost.cpuCores;
    const before = frameCounts(service, ids);
    await sleep(o.seconds * 1000);
    const { perSession, worstBadFramePercent } = frameDeltas(service, ids, before);
    await stopRecording(api);
    await service.recorder.whenIdle();
    return {
      tiles: o.tiles,
      height: o.height,
      accepted: ids.length,
      ...(refusal ? { refusal } : {}),
      learnedCores,
      perSession,
      worstBadFramePercent,
      ok: worstBadFramePercent < 1 && perSession.every((p) => p.frames > o.seconds * config.encoding.framerate * 0.9),
    };
  } finally {
    await service.stop();
    fs.rmSync(recordings, { recursive: true, force: true });
  }
}

export function describeAdmission(r: AdmissionRun): string {
  const refused = r.refusal ? `then refused: ${r.refusal.replace(/^startService answered /, '')}` : 'never refused';
  return `admission, ${r.tiles} tiles at ${r.height}p: took ${r.accepted} (${refused}); learned cost ${r.learnedCores.toFixed(2)} cores; worst bad frames ${r.worstBadFramePercent.toFixed(2)} % (${r.ok ? 'ok' : 'over'})`;
}
