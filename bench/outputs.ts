/**
 * The cost of many outputs from one encode: CPU of the recorder's process tree per recorded second for a
 * file alone, and for a file plus two RTMP destinations (and with HLS as well) (two nginx-rtmp ingests on loopback), alternated
 * in the same run on the same service, medians of the rounds. The ingests are children of the bench, so
 * their own CPU (nginx receiving and writing the streams) is taken out: it is the platform's, not ours.
 * Target: file + two RTMP ≤ 1.15 × the file alone (the encode is shared; only muxing and relaying are added).
 * A session with a stream uses Jibri's streaming encode (preset veryfast, zerolatency) where a file alone
 * uses the recording one (ultrafast by default), so a third measurement, one RTMP destination alone,
 * separates what the outputs cost from what the live encode's settings cost.
 */
import type { Service } from '../lib/compose';
import type { DemoServer } from '../lib/demo/server';
import { startRtmpServer, type RtmpServer } from '../testkit/rtmp';
import { median, treeCpuSeconds } from './proc-stats';

export interface OutputsCpuReport {
  /** CPU seconds per recorded second, each round's. */
  rounds: Array<{ fileOnly: number; oneRtmp: number; fileAndTwoRtmp: number; fileTwoRtmpHls: number }>;
  fileOnly: number;
  oneRtmp: number;
  fileAndTwoRtmp: number;
  /** file + two RTMP + HLS (the full set). */
  fileTwoRtmpHls: number;
  ratioWithHls: number;
  /** file + two RTMP against the file alone: the measure. */
  ratio: number;
  /** file + two RTMP against one RTMP alone: the outputs' own cost, with the same (live) encode. */
  ratioSameEncode: number;
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const OUTPUTS_TARGET = 1.15;

async function start(service: Service, baseUrl: string, sessionId: string, outputs: unknown[]): Promise<void> {
  const body = JSON.stringify({
    sessionId,
    callParams: { callUrlInfo: { baseUrl, callName: 'bench' } },
    callLoginParams: { domain: 'recorder.bench.local', username: 'recorder', password: 'bench' },
    outputs,
  });
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${service.http.url}/jibri/api/v1.0/startService`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status === 200) break;
    const text = await res.text();
    // Admission may say busy while the host's load still counts the last session: wait, as Jicofo would retry.
    if (res.status !== 412 || tries >= 15) throw new Error(`startService answered ${res.status}: ${text}`);
    await sleep(2000);
  }
  const until = Date.now() + 30000;
  for (;;) {
    const s = service.recorder.getSession(sessionId);
    if (s?.state.error) throw new Error(`session ${sessionId} failed: ${s.state.error.message}`);
    const links = s?.summary().outputs?.filter((o) => o.link) ?? [];
    if (s?.state.name === 'recording' && links.every((o) => o.link?.state === 'live')) return;
    if (Date.now() > until) throw new Error(`session ${sessionId} did not reach recording with its streams live`);
    await sleep(100);
  }
}

/** CPU per recorded second of the service's tree, without the ingests', over `seconds`. */
async function measure(service: Service, baseUrl: string, sessionId: string, outputs: unknown[], ingests: RtmpServer[], seconds: number): Promise<number> {
  await sleep(3000);
  await start(service, baseUrl, sessionId, outputs);
  // Past the start's spike (Chromium's page load, the publishers' handshakes).
  await sleep(3000);
  const ingestCpu = (): number => ingests.reduce((s, i) => s + (i.pid ? treeCpuSeconds(i.pid) : 0), 0);
  const c0 = treeCpuSeconds(process.pid) - ingestCpu();
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu = treeCpuSeconds(process.pid) - ingestCpu() - c0;
  const secs = (Date.now() - t0) / 1000;
  await service.recorder.stop();
  await service.recorder.whenIdle();
  return cpu / secs;
}

/** `service` must allow streams to rtmp://127.0.0.1 (bench/run.ts sets its allow-list). */
export async function benchOutputsCpu(service: Service, page: DemoServer, rounds: number, seconds: number): Promise<OutputsCpuReport> {
  const ingests = await Promise.all([startRtmpServer(), startRtmpServer()]);
  const out: OutputsCpuReport['rounds'] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const fileOnly = await measure(service, page.baseUrl, `outputs-file-${round}`, [{ type: 'file' }], ingests, seconds);
      const oneRtmp = await measure(service, page.baseUrl, `outputs-one-${round}`, [{ type: 'rtmp', url: `${ingests[0].appUrl()}/bench-one-${round}` }], ingests, seconds);
      const streams = ingests.map((i, n) => ({ type: 'rtmp', url: `${i.appUrl()}/bench-${round}-${n}` }));
      const fileAndTwoRtmp = await measure(service, page.baseUrl, `outputs-many-${round}`, [{ type: 'file' }, ...streams], ingests, seconds);
      const withHls = ingests.map((i, n) => ({ type: 'rtmp', url: `${i.appUrl()}/bench-hls-${round}-${n}` }));
      const fileTwoRtmpHls = await measure(service, page.baseUrl, `outputs-hls-${round}`, [{ type: 'file' }, ...withHls, { type: 'hls' }], ingests, seconds);
      out.push({ fileOnly, oneRtmp, fileAndTwoRtmp, fileTwoRtmpHls });
    }
  } finally {
    await Promise.all(ingests.map((i) => i.stop()));
  }
  const fileOnly = median(out.map((r) => r.fileOnly));
  const oneRtmp = median(out.map((r) => r.oneRtmp));
  const fileAndTwoRtmp = median(out.map((r) => r.fileAndTwoRtmp));
  const fileTwoRtmpHls = median(out.map((r) => r.fileTwoRtmpHls));
  return { rounds: out, fileOnly, oneRtmp, fileAndTwoRtmp, fileTwoRtmpHls, ratioWithHls: fileTwoRtmpHls / fileOnly, ratio: fileAndTwoRtmp / fileOnly, ratioSameEncode: fileAndTwoRtmp / oneRtmp, seconds };
}

export function describeOutputsCpu(r: OutputsCpuReport): string {
  const verdict = r.ratio <= OUTPUTS_TARGET ? 'PASS' : 'MISS';
  return (
    `outputs from one encode, CPU per recorded second, median of ${r.rounds.length} rounds of ${r.seconds} s: file alone ${r.fileOnly.toFixed(3)} s/s, ` +
    `file + two RTMP ${r.fileAndTwoRtmp.toFixed(3)} s/s → ${r.ratio.toFixed(3)}×   target ≤ ${OUTPUTS_TARGET}×   ${verdict}; ` +
    `against one RTMP alone (${r.oneRtmp.toFixed(3)} s/s, the same live encode) ${r.ratioSameEncode.toFixed(3)}×; ` +
    `file + two RTMP + HLS ${r.fileTwoRtmpHls.toFixed(3)} s/s → ${r.ratioWithHls.toFixed(3)}× the file alone`
  );
}
