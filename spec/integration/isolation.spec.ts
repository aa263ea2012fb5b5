/**
 * One session's fault never reaches another: three sessions of one service process, each with its media
 * worker. One streams to a hostile ingest (chunk size 1, endless partial messages), one's worker is
 * killed with SIGKILL; the third records unbroken all along, and health says what happened to each.
 *
 * @lane alone: measures the gaps of a session beside two failing ones
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { startHostileIngest, type HostileIngest } from '../../testkit/hostile-ingest';
import type { Json } from '../../testkit/json';
import { probeMedia } from '../../lib/output/probe';
import { continuity } from '../../testkit/media';
import { post, spawnServiceProcess, startBody, tempDir, waitFor, type ServiceProcess } from '../../testkit/service';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The pids of `parent`'s children whose command line holds `needle`. */
function children(parent: number, needle: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      if (ppid === parent && fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The media worker of one session: a worker of the service whose ffmpeg writes that session's folder. */
function workerOf(service: number, sessionId: string): number | undefined {
  return children(service, 'media-worker.js').find((w) => children(w, `/${sessionId}/`).length > 0 || children(w, 'setpriv').some((s) => children(s, `/${sessionId}/`).length > 0));
}

describe('faults stay with their session', () => {
  let page: DemoServer;
  let hostile: HostileIngest;
  let svc: ServiceProcess;
  const recordings = tempDir('jibri-ts-isolation-');

  beforeAll(async () => {
    page = await startDemoServer();
    hostile = await startHostileIngest('tiny-chunks');
    svc = await spawnServiceProcess({
      JIBRI_RECORDING_DIR: recordings,
      JIBRI_CONCURRENT_SESSIONS: '3',
      // Admission is not what is under test: the three sessions run whatever the host's load.
      JIBRI_SESSION_CPU_ESTIMATE: '0.05',
      JIBRI_CPU_TARGET: '100',
      JIBRI_STREAMING_RTMP_ALLOW_LIST: 'rtmp://127\\.0\\.0\\.1:\\d+/.*',
      JIBRI_STREAMING_RETRY_TIMEOUT: '5',
      JIBRI_CALL_EMPTY_TIMEOUT: '0',
    });
  });

  afterAll(async () => {
    if (svc && svc.child.exitCode === null) {
      svc.child.kill('SIGINT');
      await svc.exited;
    }
    await hostile?.close();
    await page?.close();
    fs.rmSync(recordings, { recursive: true, force: true });
  });

  it('a hostile ingest fails its session, a killed worker fails its session, and the third records unbroken', async () => {
    const session = async (id: string): Promise<Json> => (await (await fetch(`${svc.api}/sessions/${id}`)).json());
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'steady'))).status).toBe(200);
    await waitFor('steady records', async () => ((await session('steady')).state === 'recording' ? true : undefined), 60000, 200);
    const startedAt = Date.now();
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'killed'))).status).toBe(200);
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'hostile', { sinkType: undefined, outputs: [{ type: 'rtmp', url: hostile.url('hostile-key') }] }))).status).toBe(200);
    await waitFor('killed records', async () => ((await session('killed')).state === 'recording' ? true : undefined), 60000, 200);

    const worker = workerOf(svc.child.pid!, 'killed');
    expect(worker).toBeDefined();
    await sleep(3000);
    process.kill(worker!, 'SIGKILL');

    // Both faulty sessions end, each with its own reason, while the steady one records on.
    await waitFor('both faulty sessions ended', async () => {
      const h = (await (await fetch(`${svc.api}/health`)).json());
      const recent = (h.status.health.details.recentSessions?.sessions ?? []) as Json[];
      return ['killed', 'hostile'].every((id) => recent.some((s) => s.sessionId === id)) ? h : undefined;
    }, 90000, 500);
    expect((await session('steady')).state).toBe('recording');
    await sleep(5000);
    const health = (await (await fetch(`${svc.api}/health`)).json());
    const details = health.status.health.details;
    const recent = details.recentSessions.sessions as Json[];
    const killed = recent.find((s) => s.sessionId === 'killed');
    const fromHostile = recent.find((s) => s.sessionId === 'hostile');
    process.stderr.write(`isolation: ${details.recentSessions.detail}\n`);
    expect(killed.state).toBe('failed');
    expect(killed.error.code).toBe('MEDIA_WORKER_FAILED');
    expect(killed.error.message).toMatch(/was killed by SIGKILL/);
    expect(fromHostile.state).toBe('failed');
    expect(fromHostile.error.code).toMatch(/^STREAM_/);
    expect(details['session:steady'].state).toBe('recording');
    expect(health.status.health.healthStatus).toBe('HEALTHY');
    expect(hostile.connections).toBeGreaterThanOrEqual(1);

    // The killed worker's ffmpeg closed its file (its parent-death signal): the recording so far is kept.
    const killedFile = killed.mediaFile as string;
    const killedMedia = await probeMedia(killedFile);
    expect(killedMedia.video?.codec).toBe('h264');
    expect(killedMedia.durationSec).toBeGreaterThan(2);

    expect((await post(`${svc.api}/stopService`, { sessionId: 'steady' })).status).toBe(200);
    const folder = path.join(recordings, 'steady');
    const file = path.join(folder, fs.readdirSync(folder).find((f) => f.endsWith('.mp4'))!);
    const media = await probeMedia(file);
    const video = await continuity(file, 'v', 2);
    process.stderr.write(`isolation: the steady session recorded ${media.durationSec.toFixed(1)} s, longest video gap ${video.maxGapSec.toFixed(3)} s at ${video.maxGapAtSec.toFixed(1)} s\n`);
    expect(media.durationSec).toBeGreaterThan((Date.now() - startedAt) / 1000 - 5);
    // Unbroken: no hole in the picture while the others failed around it.
    expect(video.maxGapSec).toBeLessThan(1);
  });
});
