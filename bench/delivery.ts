/**
 * Delivery to a real S3 server (Ceph RGW from scripts/s3-server.sh, on loopback):
 *  - how long the server takes to start (once per run);
 *  - upload and read-back throughput for a 10-minute 720p file (median of three);
 *  - stop → "ready" for that file: what follows a stop, on the same code path as a session's (the
 *    fragmented MP4 rewritten as an ordinary one, metadata.json, then the delivery worker: SHA-256,
 *    ffprobe, manifest.json, upload, read-back, event). A 10-minute recording would hold the bench for
 *    10 minutes, so the file is synthesized with ffmpeg (testsrc2 + a tone, x264 ultrafast CRF 25 at
 *    720p30 as the recorder encodes, one minute encoded and repeated ten times by stream copy);
 *  - stop → "ready" for a real recording of BENCH_SECONDS through the service.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compose } from '../lib/compose';
import { loadConfig } from '../lib/config';
import { Delivery } from '../lib/delivery/delivery';
import type { RecordingReadyEvent } from '../lib/delivery/links';
import { S3ObjectStore } from '../lib/delivery/s3-store';
import { startFileRecording, stopRecording } from '../lib/demo/client';
import { startDemoServer } from '../lib/demo/server';
import { createLogger } from '../lib/log';
import { probeMedia } from '../lib/output/probe';
import { runToEnd } from '../lib/proc/runner';
import { finalizeRecording } from '../lib/recorder/finalize';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createBucket, s3Client, sharedS3, stopS3, uploadEnv } from '../testkit/s3';
import { median } from './proc-stats';

export interface DeliveryBench {
  serverStartMs: number;
  file: { mb: number; seconds: number; synthesizeMs: number };
  uploadMbPerSec: number[];
  readBackMbPerSec: number[];
  stopToReady: { remuxMs: number; deliveryMs: number; totalMs: number };
  realRecording: { seconds: number; mb: number; stopToReadyMs: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function ffmpeg(args: string[]): Promise<void> {
  const r = await runToEnd('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { timeoutMs: 15 * 60 * 1000 });
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
}

/** A fragmented MP4 as the recorder writes it, `minutes` long: one minute encoded, then repeated. */
async function synthesize(dir: string, minutes: number): Promise<string> {
  const minute = path.join(dir, 'minute.mp4');
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '60', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-g', '60',
    '-c:a', 'aac', '-b:a', '128k', minute,
  ]);
  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, Array.from({ length: minutes }, () => `file '${minute}'`).join('\n'));
  const out = path.join(dir, 'long.mp4');
  await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+empty_moov+default_base_moof', '-frag_duration', '1000000', out]);
  fs.rmSync(minute);
  return out;
}

export async function benchDelivery(minutes: number, realSeconds: number): Promise<DeliveryBench> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-bench-delivery-'));
  const log = createLogger('error');
  const ownServer = !process.env.JIBRI_TS_S3_DIR;
  try {
    const s3 = await sharedS3();
    const bucket = await createBucket(s3, 'bench');
    const t0 = Date.now();
    const long = await synthesize(work, minutes);
    const synthesizeMs = Date.now() - t0;
    const probe = await probeMedia(long);
    const bytes = fs.statSync(long).size;
    const mb = bytes / 1048576;

    const env = { JIBRI_RECORDING_DIR: path.join(work, 'rec'), ...uploadEnv(s3, bucket), JIBRI_HTTP_API_EXTERNAL_PORT: '0', JIBRI_HTTP_API_INTERNAL_PORT: '0' };
    const config = loadConfig(env, 'bench-delivery');
    const store = new S3ObjectStore({ s3: config.upload.s3!, requestTimeoutMs: 60000 });
    const uploadMbPerSec: number[] = [];
    const readBackMbPerSec: number[] = [];
    for (let i = 0; i < 3; i++) {
      const key = `throughput/${i}.mp4`;
      const a = Date.now();
      await store.put(key, long, { size: bytes, sha256: 'bench', contentType: 'video/mp4' });
      uploadMbPerSec.push(mb / ((Date.now() - a) / 1000));
      const b = Date.now();
      await store.readBack(key, {});
      readBackMbPerSec.push(mb / ((Date.now() - b) / 1000));
      // The test cluster's OSD keeps objects in memory.
      const client = s3Client(s3);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      client.destroy();
    }
    store.close();

    // What follows a stop, for the 10-minute file: the session's finalize steps, then delivery.
    const sessionDir = path.join(config.recording.dir, 'bench-10min');
    fs.mkdirSync(sessionDir, { recursive: true });
    const media = path.join(sessionDir, 'bench_2026-01-01-00-00-00.mp4');
    fs.copyFileSync(long, media);
    const startedAt = new Date(Date.now() - probe.durationSec * 1000).toISOString();
    const stoppedAt = Date.now();
    await finalizeRecording({
      sessionDir,
      mediaFile: media,
      metadataFile: path.join(sessionDir, 'metadata.json'),
      markerFile: path.join(work, 'no-marker.json'),
      meetingUrl: 'https://meet.example.com/bench',
      participants: [],
      metadata: {},
      ffmpegBinary: 'ffmpeg',
      finalizeTimeoutSec: 0,
      log,
    });
    const remuxMs = Date.now() - stoppedAt;
    const delivery = new Delivery({ config, log, store: new S3ObjectStore({ s3: config.upload.s3!, requestTimeoutMs: 60000 }) });
    delivery.start();
    const ready = new Promise<RecordingReadyEvent>((resolve) => delivery.once('recording', resolve));
    const d0 = Date.now();
    delivery.recordingFinalized({ sessionId: 'bench-10min', meetingUrl: 'https://meet.example.com/bench', sinkType: 'file', mediaFile: media, startedAt, endedAt: new Date(stoppedAt).toISOString() });
    await ready;
    const deliveryMs = Date.now() - d0;
    await delivery.stop();

    // A real recording through the service: stopService answered → ready event.
    const page = await startDemoServer();
    const service = await compose(loadConfig({ ...env, JIBRI_RECORDING_DIR: path.join(work, 'real') }, 'bench-delivery'), log);
    let real: DeliveryBench['realRecording'];
    try {
      const api = `${service.http.url}/jibri/api/v1.0`;
      await startFileRecording(api, 'bench-real', page.baseUrl, 'bench');
      await new Promise<void>((resolve) => {
        const on = (c: { session: { sessionId: string }; state: { name: string } }): void => {
          if (c.session.sessionId === 'bench-real' && c.state.name === 'recording') {
            service.recorder.off('session', on);
            resolve();
          }
        };
        service.recorder.on('session', on);
      });
      await sleep(realSeconds * 1000);
      const readyReal = new Promise<RecordingReadyEvent>((resolve) => service.delivery.once('recording', resolve));
      await stopRecording(api);
      const s0 = Date.now();
      const ev = await readyReal;
      real = { seconds: realSeconds, mb: (ev.files[0]?.size ?? 0) / 1048576, stopToReadyMs: Date.now() - s0 };
    } finally {
      await service.stop();
      await page.close();
    }
    return {
      serverStartMs: s3.startMs,
      file: { mb, seconds: probe.durationSec, synthesizeMs },
      uploadMbPerSec,
      readBackMbPerSec,
      stopToReady: { remuxMs, deliveryMs, totalMs: remuxMs + deliveryMs },
      realRecording: real,
    };
  } finally {
    if (ownServer) await stopS3();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function describeDelivery(d: DeliveryBench): string[] {
  const f = (n: number, digits = 1): string => n.toFixed(digits);
  return [
    `S3 server (Ceph RGW, one-node cluster): started in ${f(d.serverStartMs / 1000)} s${d.serverStartMs === 0 ? ' (already running)' : ''}`,
    `upload of a ${f(d.file.seconds / 60)}-minute 720p file (${f(d.file.mb)} MB, synthesized by ffmpeg), median of 3: ${f(median(d.uploadMbPerSec))} MB/s up, ${f(median(d.readBackMbPerSec))} MB/s read back`,
    `stop → "recording ready" for that file: ${f(d.stopToReady.totalMs / 1000)} s (MP4 rewrite ${f(d.stopToReady.remuxMs / 1000)} s, then hash, probe, upload, read-back and event ${f(d.stopToReady.deliveryMs / 1000)} s)`,
    `stop → "recording ready" for a real ${d.realRecording.seconds}-second recording (${f(d.realRecording.mb)} MB) through the service: ${f(d.realRecording.stopToReadyMs / 1000)} s`,
  ];
}
