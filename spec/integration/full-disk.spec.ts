/**
 * A disk that fills up during a recording, for real: the recordings folder is a small tmpfs (the tests
 * run as root) that the test fills while ffmpeg writes. The recording made so far is kept and playable;
 * metadata.json is never left empty; the finalize script is not run while the session's files cannot be
 * written, and health says why; once there is space again the recording is finalized, script included.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { STATE_DIR } from '../../lib/output/file-layout';
import { probeMedia } from '../../lib/output/probe';
import { finalizeRecorder, health, post, startBody, startTestService, tempDir, waitFor, waitForSessionState, type TestService } from '../support/service';

/** Writes zeros until the file system says ENOSPC: then nothing more fits. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

describe('a full disk under a recording', () => {
  const dir = tempDir('jibri-ts-full-disk-');
  const finalize = finalizeRecorder(tempDir());
  let page: DemoServer;
  let svc: TestService;

  beforeAll(async () => {
    // Above the 200 MB the recordings check asks for, so the recorder starts healthy; small enough to fill.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=230m', 'tmpfs', dir]);
    page = await startDemoServer();
    svc = await startTestService({ JIBRI_RECORDING_DIR: dir, JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: finalize.script });
  });

  afterAll(async () => {
    await svc?.stop();
    await page?.close();
    execFileSync('umount', ['-l', dir]);
  });

  it('keeps the recording, writes no empty metadata.json, holds the finalize script back until there is space, and says why', async () => {
    const sessionId = 'full-disk';
    expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, sessionId))).status).toBe(200);
    await waitForSessionState(svc.service, sessionId, 'recording');
    await new Promise((r) => setTimeout(r, 3000));
    const filler = path.join(dir, 'filler');
    fill(filler);

    // ffmpeg meets the full disk and the session ends; finalizing cannot write either.
    await waitForSessionState(svc.service, sessionId, 'failed', 30000);
    const last = svc.service.recorder.snapshot().lastSession!;
    expect(last.error?.code).toBe('DISK_FULL');
    const sessionDir = path.join(dir, sessionId);
    const files = fs.readdirSync(sessionDir);
    expect(files.filter((f) => f.includes('metadata'))).toEqual([]);
    const media = path.join(sessionDir, files.find((f) => f.endsWith('.mp4'))!);
    expect((await probeMedia(media)).durationSec).toBeGreaterThan(2);
    expect(finalize.calls()).toEqual([]);
    expect(fs.readdirSync(path.join(dir, STATE_DIR)).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    const h = await health(svc.api);
    expect(h.status.health.healthStatus).toBe('UNHEALTHY');
    expect(h.status.health.details.finalize).toEqual({ healthStatus: 'UNHEALTHY', detail: expect.stringMatching(/1 recording\(s\) could not be finalized \(the disk is full\), so their finalize script has not run: free space in JIBRI_RECORDING_DIR/) });
    expect(h.status.health.details.recordings.healthStatus).toBe('UNHEALTHY');
    const refused = await post(`${svc.api}/startService`, startBody(page.baseUrl, 'while-full'));
    expect(refused.status).toBe(503);

    // Space again: the next health round finalizes it, metadata and script included, and health recovers.
    fs.rmSync(filler);
    await svc.service.recorder.refreshHealth();
    await waitFor('the finalize script', () => (finalize.calls().length ? true : undefined), 30000);
    const metadata = JSON.parse(fs.readFileSync(path.join(sessionDir, 'metadata.json'), 'utf8'));
    expect(metadata.meeting_url).toBe(`${page.baseUrl}/testroom`);
    expect(finalize.calls()).toEqual([['1', sessionDir]]);
    await waitFor('the marker to go', () => (fs.readdirSync(path.join(dir, STATE_DIR)).some((f) => f.endsWith('.json')) ? undefined : true), 10000);
    const after = await waitFor('health to recover', async () => {
      const b = await health(svc.api);
      return b.status.health.healthStatus === 'HEALTHY' ? b : undefined;
    }, 10000);
    expect(after.status.health.details.finalize).toBeUndefined();
    expect((await probeMedia(media)).durationSec).toBeGreaterThan(2);
  });
});
