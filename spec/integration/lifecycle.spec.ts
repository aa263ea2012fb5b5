/**
 * How the service ends, on the real process: the internal API's gracefulShutdown and shutdown, SIGTERM,
 * notifyConfigChanged, and single-use mode. A recording that runs when the end is asked for is always
 * finalized (metadata.json written, finalize script run) before the process exits, and the exit code is
 * Jibri's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { probeMedia } from '../../lib/output/probe';
import { expectExit, finalizeRecorder, findRecordings, health, post, spawnServiceProcess, startBody, startTestService, tempDir, waitFor, waitForSessionState, type ServiceProcess } from '../../testkit/service';

describe('the end of the service', () => {
  let page: DemoServer;

  beforeAll(async () => {
    page = await startDemoServer();
  });

  afterAll(async () => {
    await page?.close();
  });

  /** A service process with one recording running for a few seconds. */
  async function busyService(sessionId: string): Promise<{ proc: ServiceProcess; dir: string; finalize: ReturnType<typeof finalizeRecorder>; exitedAt: () => number | undefined }> {
    const dir = tempDir('jibri-ts-life-');
    const finalize = finalizeRecorder(tempDir());
    const proc = await spawnServiceProcess({ JIBRI_RECORDING_DIR: dir, JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: finalize.script });
    let exitedAt: number | undefined;
    void proc.exited.then(() => (exitedAt = Date.now()));
    expect((await post(`${proc.api}/startService`, startBody(page.baseUrl, sessionId))).status).toBe(200);
    await waitFor('the recording to run', async () => ((await health(proc.api)).status.health.details[`session:${sessionId}`]?.state === 'recording' ? true : undefined), 30000);
    await new Promise((r) => setTimeout(r, 3000));
    return { proc, dir, finalize, exitedAt: () => exitedAt };
  }

  /** The process keeps recording, shows busy and refuses new sessions until its session is stopped. */
  async function drainsThenExits255(run: Awaited<ReturnType<typeof busyService>>): Promise<void> {
    const { proc, dir, finalize } = run;
    await new Promise((r) => setTimeout(r, 2000));
    expect(run.exitedAt()).toBeUndefined();
    const h = await health(proc.api);
    expect(h.busy).toBe(true);
    expect(h.status.health.details.capacity.refusal).toMatch(/shutting down/);
    const refused = await post(`${proc.api}/startService`, startBody(page.baseUrl, 'too-late'));
    expect(refused.status).toBe(412);

    const stoppedAt = Date.now();
    expect((await post(`${proc.api}/stopService`)).status).toBe(200);
    await expectExit(proc, 255);
    expect(run.exitedAt()!).toBeGreaterThanOrEqual(stoppedAt);
    // Exited only after the file was finalized: metadata written and the finalize script run.
    const [file] = findRecordings(dir);
    expect(file).toBeDefined();
    expect(fs.existsSync(path.join(path.dirname(file!), 'metadata.json'))).toBe(true);
    expect(finalize.calls()).toEqual([['1', path.dirname(file!)]]);
    const m = await probeMedia(file!);
    expect(m.video?.codec).toBe('h264');
    expect(m.durationSec).toBeGreaterThan(3);
  }

  it('gracefulShutdown answers 200 at once, drains, and exits 255 after the running recording is finalized', async () => {
    const run = await busyService('graceful');
    const res = await fetch(`${run.proc.internalApi}/gracefulShutdown`, { method: 'POST' });
    expect(res.status).toBe(200);
    await drainsThenExits255(run);
    expect(run.proc.output()).toMatch(/gracefulShutdown: draining 1 running session/);
  });

  it('SIGTERM drains the same way', async () => {
    const run = await busyService('sigterm');
    run.proc.child.kill('SIGTERM');
    await drainsThenExits255(run);
    expect(run.proc.output()).toMatch(/SIGTERM: draining/);
  });

  it('shutdown stops the running recording, finalizes it and exits 255', async () => {
    const { proc, dir, finalize } = await busyService('shutdown');
    const res = await fetch(`${proc.internalApi}/shutdown`, { method: 'POST' });
    expect(res.status).toBe(200);
    await expectExit(proc, 255);
    const [file] = findRecordings(dir);
    expect(fs.existsSync(path.join(path.dirname(file!), 'metadata.json'))).toBe(true);
    expect(finalize.calls()).toHaveLength(1);
  });

  it('notifyConfigChanged on an idle service exits 0 at once; SIGINT on a busy one stops, finalizes and exits 0', async () => {
    const idle = await spawnServiceProcess({ JIBRI_RECORDING_DIR: tempDir() });
    expect((await fetch(`${idle.internalApi}/notifyConfigChanged`, { method: 'POST' })).status).toBe(200);
    await expectExit(idle, 0);

    const { proc, dir } = await busyService('sigint');
    proc.child.kill('SIGINT');
    await expectExit(proc, 0);
    const [file] = findRecordings(dir);
    expect(fs.existsSync(path.join(path.dirname(file!), 'metadata.json'))).toBe(true);
  });

  it('answers unknown internal routes with 404 and what exists', async () => {
    const svc = await startTestService();
    try {
      const res = await fetch(`${svc.internalApi}/reloadConfig`, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/gracefulShutdown/);
      expect(svc.exits).toEqual([]);
    } finally {
      await svc.stop();
    }
  });

  it('single-use mode: after one session the recorder is EXPIRED, busy, and refuses new starts', async () => {
    const svc = await startTestService({ JIBRI_SINGLE_USE_MODE: 'true' });
    try {
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'only-once'))).status).toBe(200);
      await waitForSessionState(svc.service, 'only-once', 'recording');
      await post(`${svc.api}/stopService`);
      await svc.service.recorder.whenIdle();
      const h = await health(svc.api);
      expect(h.busy).toBe(true);
      expect(h.status.busyStatus).toBe('EXPIRED');
      const refused = await post(`${svc.api}/startService`, startBody(page.baseUrl, 'twice'));
      expect(refused.status).toBe(412);
      expect(refused.json.error.code).toBe('EXPIRED');
      expect(svc.service.recorder.slotStatus(1).busy).toBe(true);
    } finally {
      await svc.stop();
    }
  });
});
