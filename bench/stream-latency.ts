/**
 * Start latency of a live stream, seen from both ends: startService sent → the first encoded frame (the
 * session's `recording`), → the ingest accepted the publish (nginx-rtmp's log), → the first video frame
 * written by the ingest (its recording of the stream, read with the project's FLV reader), and → the
 * session's stream link `live`. A real nginx-rtmp on loopback.
 */
import * as fs from 'node:fs';
import type { Service } from '../lib/compose';
import type { DemoServer } from '../lib/demo/server';
import { FlvReader, TAG_VIDEO } from '@jibri-ts/rtmp';
import { startRtmpServer, type RtmpServer } from '../testkit/rtmp';
import { median } from './proc-stats';

export interface StreamLatencyRun {
  firstFrameMs: number;
  ingestPublishMs: number;
  ingestFirstFrameMs: number;
  linkLiveMs: number;
}

export interface StreamLatencyReport {
  runs: StreamLatencyRun[];
  medianMs: StreamLatencyRun;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True once the ingest's recording of `key` holds a video tag. */
function ingestHasVideo(rtmp: RtmpServer, key: string): boolean {
  const [file] = rtmp.recordings(key);
  if (!file) return false;
  try {
    return new FlvReader().push(fs.readFileSync(file)).some((t) => t.type === TAG_VIDEO);
  } catch {
    return false;
  }
}

async function oneRun(service: Service, rtmp: RtmpServer, baseUrl: string, i: number): Promise<StreamLatencyRun> {
  const key = `latency-${i}-${Date.now()}`;
  const sessionId = `stream-latency-${i}`;
  const marks: Partial<StreamLatencyRun> = {};
  const body = JSON.stringify({
    sessionId,
    callParams: { callUrlInfo: { baseUrl, callName: 'bench' } },
    callLoginParams: { domain: 'recorder.bench.local', username: 'recorder', password: 'bench' },
    sinkType: 'stream',
    rtmpUrl: rtmp.appUrl(),
    youTubeStreamKey: key,
  });
  let t0: number;
  for (let tries = 0; ; tries++) {
    t0 = Date.now();
    const res = await fetch(`${service.http.url}/jibri/api/v1.0/startService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status === 200) break;
    const text = await res.text();
    // Admission may say busy while the host's load average still counts the last session: wait, as Jicofo would retry.
    if (res.status !== 412 || tries >= 15) throw new Error(`startService answered ${res.status}: ${text}`);
    await sleep(2000);
  }
  const until = t0 + 20000;
  while (Object.keys(marks).length < 4) {
    if (Date.now() > until) throw new Error(`stream start did not complete: ${JSON.stringify(marks)}`);
    const now = Date.now() - t0;
    const session = service.recorder.getSession(sessionId);
    if (session?.state.error) throw new Error(`stream session failed: ${session.state.error.message}`);
    if (marks.firstFrameMs === undefined && session && session.state.name !== 'starting') marks.firstFrameMs = now;
    if (marks.linkLiveMs === undefined && session?.summary().stream?.state === 'live') marks.linkLiveMs = now;
    if (marks.ingestPublishMs === undefined && rtmp.publishes().includes(key)) marks.ingestPublishMs = now;
    if (marks.ingestFirstFrameMs === undefined && ingestHasVideo(rtmp, key)) marks.ingestFirstFrameMs = now;
    await sleep(10);
  }
  await sleep(1000);
  await service.recorder.stop();
  await service.recorder.whenIdle();
  return marks as StreamLatencyRun;
}

/** `service` must allow streams to rtmp://127.0.0.1 (bench/run.ts sets its allow-list). */
export async function benchStreamLatency(service: Service, page: DemoServer, runs: number): Promise<StreamLatencyReport> {
  const rtmp = await startRtmpServer();
  const out: StreamLatencyRun[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Steady state: the spare capture source is ready again.
      await sleep(3000);
      out.push(await oneRun(service, rtmp, page.baseUrl, i));
    }
  } finally {
    await rtmp.stop();
    fs.rmSync(rtmp.dir, { recursive: true, force: true });
  }
  const med = (k: keyof StreamLatencyRun): number => median(out.map((r) => r[k]));
  return { runs: out, medianMs: { firstFrameMs: med('firstFrameMs'), ingestPublishMs: med('ingestPublishMs'), ingestFirstFrameMs: med('ingestFirstFrameMs'), linkLiveMs: med('linkLiveMs') } };
}

export function describeStreamLatency(r: StreamLatencyReport): string {
  const m = r.medianMs;
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  return (
    `stream start (request → …), median of ${r.runs.length}: first encoded frame ${s(m.firstFrameMs)} s, ingest accepted the publish ${s(m.ingestPublishMs)} s, ` +
    `first video frame at the ingest ${s(m.ingestFirstFrameMs)} s, link live ${s(m.linkLiveMs)} s`
  );
}
