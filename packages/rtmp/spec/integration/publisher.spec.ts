/**
 * The publisher against two real ingests that share no code: nginx-rtmp (C, Debian's module; RTMPS through
 * nginx's TLS stream module) and node-media-server (JavaScript, in a process of its own). A real encode
 * (ffmpeg: H.264 and AAC in FLV) is cut into tags by FlvReader and published; what each ingest made of it
 * is read back (ffprobe on nginx's recording, node-media-server's own parse of the stream), and every
 * failure is classified as the relay needs it: refused, unreachable, not RTMP, untrusted TLS.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFfprobe } from '../../../../testkit/media';
import { startRtmpServer, type RtmpServer } from '../../../../testkit/rtmp';
import { freePort, tempDir, waitFor } from '../../../../testkit/service';
import { testCaFile } from '../../../../testkit/test-ca';
import { FlvReader, publishRtmp, TAG_AUDIO, TAG_VIDEO, type FlvTag, type Publication } from '../../lib';

/** What node-media-server printed about one publish when it ended. */
interface NmsDone {
  id: string;
  path: string;
  videoCodec: number;
  audioCodec: number;
  width: number;
  height: number;
  audioSampleRate: number;
  inBytes: number;
}

interface NodeMediaServer {
  url(app: string, key: string): string;
  /** The ids of the publishes it took of this stream path, in order. */
  published(streamPath: string): string[];
  /** What it parsed of one publish, once that publisher's connection closed. */
  done(id: string): Promise<NmsDone>;
  stop(): Promise<void>;
}

async function startNodeMediaServer(secret?: string): Promise<NodeMediaServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'node-media-server.js'), String(port), tempDir('jibri-ts-nms-'), ...(secret ? [secret] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events: Array<{ event: string } & NmsDone> = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    // Its own log lines go to stdout too; the launcher's are JSON.
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('node-media-server listening', () => (spawnSync('ss', ['-ltnH', `sport = :${port}`]).stdout.toString().includes(`:${port}`) ? true : undefined), 10000, 50);
  return {
    url: (app, key) => `rtmp://127.0.0.1:${port}/${app}/${key}`,
    published: (streamPath) => events.filter((e) => e.event === 'publish' && e.path === streamPath).map((e) => e.id),
    done: (id) => waitFor(`node-media-server's end of the publish ${id}`, () => events.find((e) => e.event === 'done' && e.id === id), 10000),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Three seconds of a test picture and tone, as the recorder's encoder makes them (H.264 with key frames every second, AAC), in FLV. */
function encodeTestStream(dir: string): FlvTag[] {
  const file = path.join(dir, 'source.flv');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', '-y', file]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make the test stream: ${r.stderr.toString()}`);
  const reader = new FlvReader();
  return reader.push(fs.readFileSync(file));
}

/** Sends every tag (metadata, sequence headers, media) as the relay does, waiting whenever the socket asks. */
async function sendAll(p: Publication, tags: readonly FlvTag[]): Promise<void> {
  for (const tag of tags) {
    const kind = tag.type === TAG_VIDEO ? 'video' : tag.type === TAG_AUDIO ? 'audio' : 'metadata';
    if (!p.send(kind, tag.timestamp, tag.data)) await new Promise<void>((resolve) => p.on('drain', resolve));
  }
}

describe('the RTMP publisher on two real ingests', () => {
  let nginx: RtmpServer;
  let nms: NodeMediaServer;
  let tags: FlvTag[];
  beforeAll(async () => {
    tags = encodeTestStream(tempDir('jibri-ts-rtmp-source-'));
    nginx = await startRtmpServer({ apps: ['live'] });
    nms = await startNodeMediaServer();
  });
  afterAll(async () => {
    await nginx?.stop();
    await nms?.stop();
  });

  it('publishes a real encode that nginx-rtmp records whole: H.264 and AAC, three seconds', async () => {
    const p = await publishRtmp({ url: `${nginx.appUrl('live')}/whole`, timeoutMs: 5000 });
    await sendAll(p, tags);
    await p.close();
    const [file] = await waitFor('the recording', () => (nginx.recordings('whole').length ? nginx.recordings('whole') : undefined), 5000);
    const probe = JSON.parse((await runFfprobe(['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file!])).stdout);
    const codecs = probe.streams.map((s: { codec_name: string }) => s.codec_name).sort();
    expect(codecs).toEqual(['aac', 'h264']);
    expect(probe.streams.find((s: { codec_name: string }) => s.codec_name === 'h264')).toMatchObject({ width: 320, height: 240 });
    expect(Number(probe.format.duration)).toBeGreaterThan(2.8);
  });

  it('publishes the same encode to node-media-server, which parses the same picture and sound from it', async () => {
    const p = await publishRtmp({ url: nms.url('live', 'whole'), timeoutMs: 5000 });
    await sendAll(p, tags);
    await p.close();
    const done = await nms.done(nms.published('/live/whole')[0]!);
    // FLV's codec ids: 7 = AVC (H.264), 10 = AAC.
    expect(done).toMatchObject({ videoCodec: 7, audioCodec: 10, width: 320, height: 240, audioSampleRate: 48000 });
    const sent = tags.reduce((n, t) => n + t.data.length, 0);
    expect(done.inBytes).toBeGreaterThan(sent);
  });

  it('is dropped by node-media-server while another publisher holds the stream, and reports it lost; the first goes on', async () => {
    const first = await publishRtmp({ url: nms.url('live', 'held'), timeoutMs: 5000 });
    // node-media-server answers Publish.Start before it looks for another publisher, then closes.
    const second = await publishRtmp({ url: nms.url('live', 'held'), timeoutMs: 5000 });
    expect(await new Promise<string>((resolve) => second.on('lost', resolve))).toBe('the ingest closed the connection');
    await sendAll(first, tags);
    await first.close();
    const [firstId] = nms.published('/live/held');
    expect(await nms.done(firstId!)).toMatchObject({ videoCodec: 7, audioCodec: 10 });
  });

  it("passes the stream name's query string on, where node-media-server reads its publish signature", async () => {
    const secret = 'nms-test-secret';
    const signed = await startNodeMediaServer(secret);
    try {
      const unsigned = await publishRtmp({ url: signed.url('live', 'signed'), timeoutMs: 5000 });
      expect(await new Promise<string>((resolve) => unsigned.on('lost', resolve))).toBe('the ingest closed the connection');
      const exp = Math.floor(Date.now() / 1000) + 600;
      const sign = `${exp}-${createHash('md5').update(`/live/signed-${exp}-${secret}`).digest('hex')}`;
      const p = await publishRtmp({ url: `${signed.url('live', 'signed')}?sign=${sign}`, timeoutMs: 5000 });
      await sendAll(p, tags.slice(0, 20));
      await p.close();
      expect(signed.published('/live/signed')).toHaveLength(1);
    } finally {
      await signed.stop();
    }
  });

  it('classifies what an ingest answers: refused, unreachable, not RTMP, untrusted TLS, published over TLS', async () => {
    const extraCa = fs.readFileSync(testCaFile(), 'utf8');
    await expect(publishRtmp({ url: `${nginx.appUrl('no-such-app')}/k`, timeoutMs: 5000 })).rejects.toMatchObject({ kind: 'refused' });
    await expect(publishRtmp({ url: `rtmp://127.0.0.1:${await freePort()}/live/k`, timeoutMs: 5000 })).rejects.toMatchObject({ kind: 'unreachable' });
    // Plain RTMP to the TLS port: the handshake never completes.
    await expect(publishRtmp({ url: `rtmp://127.0.0.1:${nginx.tlsPort}/live/k`, timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'not-rtmp' });
    // Certificates are verified: a self-signed one, and the test CA's without trusting the CA, are refused.
    await expect(publishRtmp({ url: `rtmps://127.0.0.1:${nginx.untrustedTlsPort}/live/k`, extraCa, timeoutMs: 5000 })).rejects.toMatchObject({ kind: 'untrusted' });
    await expect(publishRtmp({ url: `${nginx.appUrl('live', true)}/k`, timeoutMs: 5000 })).rejects.toMatchObject({ kind: 'untrusted' });
    const tls = await publishRtmp({ url: `${nginx.appUrl('live', true)}/tls-ok`, extraCa, timeoutMs: 5000 });
    await tls.close();
    expect(nginx.publishes()).toContain('tls-ok');
  });

  it('takes its connection address from the caller (an address policy), and passes on its refusal', async () => {
    const asked: string[] = [];
    const p = await publishRtmp({ url: `rtmp://ingest.invalid:${new URL(nginx.appUrl()).port}/live/pinned`, timeoutMs: 5000, resolveAddress: (host) => (asked.push(host), Promise.resolve('127.0.0.1')) });
    await p.close();
    expect(asked).toEqual(['ingest.invalid']);
    expect(nginx.publishes()).toContain('pinned');
    const refusal = Object.assign(new Error('not on a public address'), { kind: 'refused' });
    await expect(publishRtmp({ url: `${nginx.appUrl()}/never`, timeoutMs: 5000, resolveAddress: () => Promise.reject(refusal) })).rejects.toBe(refusal);
  });
});
