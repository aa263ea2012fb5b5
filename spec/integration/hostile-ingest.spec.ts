/**
 * A hostile RTMP ingest against the real recorder process: one session records a file and streams to a
 * real ingest (nginx-rtmp) and to two ingests that attack their publisher (testkit/hostile-ingest.ts:
 * endless partial messages on every chunk stream; a chunk size of 1). Each attack fails its own link only:
 * the file and the other stream go on, and the process's memory stays bounded (its RSS is sampled throughout).
 * Before the chunk reader had its caps, one such connection grew a process by about 3 GB in 15 s.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { probeMedia } from '../../lib/output/probe';
import { startHostileIngest, type HostileIngest } from '../../testkit/hostile-ingest';
import { startRtmpServer, type RtmpServer } from '../../testkit/rtmp';
import { post, spawnServiceProcess, startBody, tempDir, waitFor, type ServiceProcess } from '../../testkit/service';
import type { Json } from '../../testkit/json';

/** The process's resident memory, from the kernel. */
function rssMb(pid: number): number {
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a hostile RTMP ingest', () => {
  let page: DemoServer;
  let good: RtmpServer;
  let flood: HostileIngest;
  let tiny: HostileIngest;
  let svc: ServiceProcess;
  const recordings = tempDir('jibri-ts-hostile-');

  beforeAll(async () => {
    page = await startDemoServer();
    good = await startRtmpServer();
    flood = await startHostileIngest('partial-flood');
    tiny = await startHostileIngest('tiny-chunks');
    svc = await spawnServiceProcess({
      JIBRI_RECORDING_DIR: recordings,
      // Streams never leave loopback; the hostile link keeps being retried for the whole test.
      JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://127\\.0\\.0\\.1:\\d+/.*',
      JIBRI_STREAMING_RETRY_TIMEOUT: '120',
      JIBRI_CALL_EMPTY_TIMEOUT: '0',
    });
  });

  afterAll(async () => {
    if (svc && svc.child.exitCode === null) {
      svc.child.kill('SIGINT');
      await svc.exited;
    }
    await flood?.close();
    await tiny?.close();
    await good?.stop();
    await page?.close();
    fs.rmSync(recordings, { recursive: true, force: true });
  });

  it('fails its own link only, while the file and the other stream go on, and the memory stays bounded', async () => {
    const pid = svc.child.pid!;
    const before = rssMb(pid);
    const id = 'hostile-1';
    const started = await post(`${svc.api}/startService`, startBody(page.baseUrl, id, {
      sinkType: undefined,
      outputs: [{ type: 'file' }, { type: 'rtmp', url: `${good.appUrl()}/good-key` }, { type: 'rtmp', url: flood.url('flood-key') }, { type: 'rtmp', url: tiny.url('tiny-key') }],
    }));
    expect(started.status).toBe(200);
    await waitFor('the good stream', () => (good.publishes().includes('good-key') ? true : undefined), 60000, 200);

    const samples: number[] = [];
    for (const until = Date.now() + 30000; Date.now() < until; await sleep(250)) samples.push(rssMb(pid));

    const session = (await (await fetch(`${svc.api}/sessions/${id}`)).json());
    // What ended the session is in the service's log, which the spec otherwise keeps to itself.
    if (session.state !== 'recording') throw new Error(`the session is ${JSON.stringify(session)}, not recording; the service's output:\n${svc.output()}`);
    const links = (session.outputs as Json[]).map((o) => [o.kind, o.link?.state ?? null]);
    expect(links).toEqual([['file', null], ['stream', 'live'], ['stream', 'failed'], ['stream', 'failed']]);
    // Each attack ran and was refused in words that say what it did.
    expect(flood.connections).toBeGreaterThanOrEqual(1);
    expect(tiny.connections).toBeGreaterThanOrEqual(1);
    expect(session.outputs[2].link.error).toMatch(/partial messages open|chunk streams/);
    expect(session.outputs[3].link.error).toMatch(/chunk size of 1 bytes/);

    const peak = Math.max(...samples);
    process.stderr.write(`hostile ingests: service RSS ${before.toFixed(0)} MB before the session, peak ${peak.toFixed(0)} MB over ${samples.length} samples in 30 s; the ingests sent ${((flood.bytesSent + tiny.bytesSent) / 1e6).toFixed(1)} MB\n`);
    // A session costs the service process a few tens of MB (Chromium and ffmpeg are other processes); the attacks add nothing that grows.
    expect(peak - before).toBeLessThan(150);

    expect((await post(`${svc.api}/stopService`, { sessionId: id })).status).toBe(200);
    const folder = path.join(recordings, id);
    const mp4 = fs.readdirSync(folder).find((f) => f.endsWith('.mp4'))!;
    const media = await probeMedia(path.join(folder, mp4));
    expect(media.durationSec).toBeGreaterThan(28);
    expect(media.video?.codec).toBe('h264');
  });
});
