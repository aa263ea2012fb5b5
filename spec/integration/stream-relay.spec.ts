/**
 * The relay against a real ingest (nginx-rtmp, and RTMPS through nginx's TLS stream module; the publisher
 * alone has its own real-stack spec in packages/rtmp), fed by a real ffmpeg that encodes a test picture and tone with the service's own stream
 * output options. One encode goes to two applications at once (one over RTMPS), a third destination is
 * added and the first removed while it runs; what the ingest recorded is checked with ffprobe.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createLogger } from '../../lib/log';
import { probeMedia } from '../../lib/output/probe';
import { RtmpFanOut } from '../../lib/output/rtmp/fan-out';
import { flvMuxer } from '../../lib/output/rtmp/rtmp-output';
import { encodeSpec } from '../../lib/pipeline/encoder/ffmpeg-args';
import { runFfprobe } from '../../testkit/media';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { waitFor } from '../../testkit/service';
import { testCaFile } from '../../testkit/test-ca';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RTMP publisher and relay on a real ingest', () => {
  let rtmp: RtmpServer;
  let extraCa: string;
  beforeAll(async () => {
    rtmp = await startRtmpServer({ apps: ['live', 'backup'] });
    extraCa = fs.readFileSync(testCaFile(), 'utf8');
  });
  afterAll(async () => {
    await rtmp?.stop();
  });

  it('fans one encode out to two applications, and takes destinations added and removed while it runs', async () => {
    const out = await RtmpFanOut.open({
      destinations: [
        { id: 'a', url: `${rtmp.appUrl('live')}/fan-a`, shownAs: `${rtmp.appUrl('live')}/****` },
        { id: 'b', url: `${rtmp.appUrl('backup', true)}/fan-b`, shownAs: `${rtmp.appUrl('backup', true)}/****` },
      ],
      retryTimeoutSec: 10,
      extraCa,
      log: createLogger('error', { silent: true }),
    });
    const failures: Error[] = [];
    out.on('failure', (e) => failures.push(e));
    // The service's own output options (codec, GOP, rate, tee to the channel); a test picture and tone as input.
    const spec = encodeSpec(
      { width: 640, height: 360, framerate: 30, crf: 25, presetRecording: 'ultrafast', queueSize: 512, audioLatencyMs: 33 },
      { display: ':0', audioSource: 'unused', originMs: 0 },
      [flvMuxer(out.encoderTarget)],
      { preset: 'veryfast', maxBitrateKbps: 1500, gopSize: 60 },
    );
    const ffmpeg = spawn('ffmpeg', [
      '-v', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-y', ...spec.output.options, spec.output.target,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => ffmpeg.once('exit', () => resolve()));
    try {
      await waitFor('both publishes', () => (['fan-a', 'fan-b'].every((k) => rtmp.publishes().includes(k)) ? true : undefined), 10000);
      await sleep(3000);
      out.add({ id: 'c', url: `${rtmp.appUrl('live')}/fan-c`, shownAs: `${rtmp.appUrl('live')}/****` });
      await waitFor('the added destination', () => (rtmp.publishes().includes('fan-c') ? true : undefined), 5000);
      await sleep(3000);
      expect(await out.remove('a')).toBe(true);
      await sleep(3000);
      expect(out.destinations.map((d) => [d.id, d.state, d.reconnects])).toEqual([['b', 'live', 0], ['c', 'live', 0]]);
    } finally {
      out.expectEnd();
      ffmpeg.kill('SIGINT');
      await exited;
      await out.finish();
    }
    expect(stderr).toBe('');
    expect(failures).toEqual([]);

    const [a, b, c] = await Promise.all(['fan-a', 'fan-b', 'fan-c'].map(async (k) => {
      const [file] = rtmp.recordings(k);
      expect(file).toBeDefined();
      return { file: file!, media: await probeMedia(file!) };
    }));
    for (const { media } of [a!, b!, c!]) {
      expect(media.video?.codec).toBe('h264');
      expect(media.video?.width).toBe(640);
      expect(media.audio?.codec).toBe('aac');
    }
    // b ran throughout; a stopped when removed (3 s before the end), c began 6 s before the end.
    expect(b!.media.durationSec).toBeGreaterThan(8);
    expect(Math.abs(b!.media.durationSec - a!.media.durationSec - 3)).toBeLessThan(1.2);
    expect(Math.abs(c!.media.durationSec - 6)).toBeLessThan(1.5);
    // Each publish has its own timestamps from 0 and begins with a key frame.
    for (const { file } of [b!, c!]) {
      const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', 'v', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame,pts_time', '-of', 'csv=p=0', file]);
      const [key, pts] = stdout.trim().split('\n')[0]!.split(',');
      expect(key).toBe('1');
      expect(Number(pts)).toBeLessThan(0.1);
    }
  }, 60000);
});
