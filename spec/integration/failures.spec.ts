/**
 * Failures users meet: the browser will not start, the page does not load, the disk fills up (a real,
 * small tmpfs filled while ffmpeg writes), the folder is not writable. Each ends the session with a clear
 * error in health, keeps what was recorded, and leaves the service ready for the next start.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import type { RecordingReadyEvent } from '../../lib/delivery/links';
import { STATE_DIR } from '../../lib/recorder/crash-marker';
import { probeMedia } from '../../lib/output/probe';
import { finalizeRecorder, freePort, health, post, startBody, startTestService, tempDir, waitFor, waitForSessionState } from '../../testkit/service';

/** Writes zeros until the file system says ENOSPC: then not even a small file fits. */
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

describe('failures', () => {
  let page: DemoServer;
  beforeAll(async () => {
    page = await startDemoServer();
  });
  afterAll(async () => page?.close());

  it('a Chromium that does not launch fails the session with a clear error; the service stays ready', async () => {
    const svc = await startTestService({ JIBRI_CHROMIUM_PATH: '/bin/false' });
    try {
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'no-browser'))).status).toBe(200);
      await waitForSessionState(svc.service, 'no-browser', 'failed');
      const h = await health(svc.api);
      expect(h.busy).toBe(false);
      expect(h.status.health.details.lastSession.error.code).toBe('BROWSER_LAUNCH_FAILED');
      expect(h.status.health.details.lastSession.detail).toMatch(/Chromium failed to launch.*JIBRI_CHROMIUM_PATH/);
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'no-browser-2'))).status).toBe(200);
      await waitForSessionState(svc.service, 'no-browser-2', 'failed');
    } finally {
      await svc.stop();
    }
  });

  it('a page that does not load fails the session; the next start records', async () => {
    const svc = await startTestService({ JIBRI_PAGE_LOAD_TIMEOUT: '5' });
    try {
      const closed = `http://127.0.0.1:${await freePort()}`;
      expect((await post(`${svc.api}/startService`, startBody(closed, 'no-page'))).status).toBe(200);
      await waitForSessionState(svc.service, 'no-page', 'failed');
      const h = await health(svc.api);
      expect(h.status.health.details.lastSession.error.code).toBe('PAGE_LOAD_FAILED');
      expect(h.status.health.details.lastSession.detail).not.toContain('rec-secret-pw');

      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'page-ok'))).status).toBe(200);
      await waitForSessionState(svc.service, 'page-ok', 'recording');
      await post(`${svc.api}/stopService`);
      await svc.service.recorder.whenIdle();
      expect(svc.service.recorder.snapshot().lastSession?.state).toBe('finished');
    } finally {
      await svc.stop();
    }
  });

  it('a finalize script that hangs is killed after its timeout, logged, and the service goes on', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'hang.sh');
    fs.writeFileSync(script, `#!/bin/sh\necho started >> '${dir}/ran'\nexec sleep 600\n`, { mode: 0o755 });
    const svc = await startTestService({ JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: script, JIBRI_FINALIZE_RECORDING_SCRIPT_TIMEOUT: '2' });
    try {
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'hang'))).status).toBe(200);
      await waitForSessionState(svc.service, 'hang', 'recording');
      const stopped = Date.now();
      expect((await post(`${svc.api}/stopService`)).status).toBe(200);
      // Busy while the script runs: the slot is not free before it ends.
      expect((await health(svc.api)).busy).toBe(true);
      await svc.service.recorder.whenIdle();
      const took = Date.now() - stopped;
      expect(took).toBeGreaterThanOrEqual(2000);
      expect(took).toBeLessThan(20000);
      expect(fs.readFileSync(path.join(dir, 'ran'), 'utf8')).toContain('started');
      const running = ((): string => {
        try {
          return execFileSync('pgrep', ['-f', script]).toString().trim();
        } catch {
          return '';
        }
      })();
      expect(running).toBe('');
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'after-hang'))).status).toBe(200);
      await waitForSessionState(svc.service, 'after-hang', 'recording');
    } finally {
      await svc.stop();
    }
  });

  it('a recordings folder that cannot be written makes health UNHEALTHY with what to do, and starts are refused', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const svc = await startTestService({ JIBRI_RECORDING_DIR: path.join(file, 'recordings') });
    try {
      const h = await health(svc.api);
      expect(h.status.health.healthStatus).toBe('UNHEALTHY');
      expect(h.status.health.details.recordings.detail).toMatch(/not writable.*JIBRI_RECORDING_DIR/);
      const r = await post(`${svc.api}/startService`, startBody(page.baseUrl, 'unwritable'));
      expect(r.status).toBe(503);
      expect(r.json.error.message).toMatch(/recordings/);
    } finally {
      await svc.stop();
    }
  });

  describe('a disk that fills up mid-recording', () => {
    const mountPoint = tempDir('jibri-ts-small-disk-');
    beforeAll(() => {
      // A real, small file system of its own: tmpfs, so the test fills nothing else.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=210m', 'tmpfs', mountPoint]);
    });
    afterAll(() => {
      try {
        execFileSync('umount', ['-l', mountPoint]);
      } catch {
        // already gone
      }
    });

    it('ends the session with DISK_FULL, keeps a playable file, writes no empty metadata.json, holds the finalize script back (health says why) and runs it once there is room, and records again', async () => {
      const dir = path.join(mountPoint, 'recordings');
      const finalize = finalizeRecorder(tempDir());
      const svc = await startTestService({ JIBRI_RECORDING_DIR: dir, JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: finalize.script });
      // The "recording ready" event (no bucket: local paths) and how often the finalize script had run by then.
      const ready: Array<{ event: RecordingReadyEvent; scriptRuns: number }> = [];
      svc.service.delivery.on('recording', (event: RecordingReadyEvent) => ready.push({ event, scriptRuns: finalize.calls().length }));
      try {
        expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'disk-full'))).status).toBe(200);
        await waitForSessionState(svc.service, 'disk-full', 'recording');
        const file = svc.service.recorder.getSession('disk-full')!.paths.mediaFile;
        await new Promise((r) => setTimeout(r, 3000));
        const filler = path.join(mountPoint, 'filler');
        fill(filler);
        await waitForSessionState(svc.service, 'disk-full', 'failed', 60000);
        const h = await health(svc.api);
        // Nothing could be written while finalizing: no metadata.json at all (not an empty one), no
        // finalize script (an upload would miss the metadata), the marker kept, and health says why.
        const sessionDir = path.dirname(file);
        expect(fs.readdirSync(sessionDir).filter((f) => f.includes('metadata'))).toEqual([]);
        expect(finalize.calls()).toEqual([]);
        expect(fs.readdirSync(path.join(dir, STATE_DIR)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
        expect(h.status.health.details.finalize).toEqual({
          healthStatus: 'UNHEALTHY',
          detail: expect.stringMatching(/1 recording\(s\) could not be finalized \(the disk is full\), so their finalize script has not run: free space in JIBRI_RECORDING_DIR/),
        });
        expect(h.status.health.details.lastSession.error.code).toBe('DISK_FULL');
        expect(h.status.health.details.lastSession.detail).toMatch(/disk is full.*JIBRI_RECORDING_DIR/);
        const m = await probeMedia(file);
        expect(m.video?.codec).toBe('h264');
        expect(m.durationSec).toBeGreaterThan(2);
        expect(h.status.health.details.recordings.healthStatus).toBe('UNHEALTHY');
        expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'still-full'))).status).toBe(503);
        // Nor is the recording delivered before it is finalized.
        expect(ready).toEqual([]);

        fs.rmSync(filler);
        await svc.service.recorder.refreshHealth();
        // Room again: the recording is finalized (metadata, then the script, then the marker goes).
        await waitFor('the finalize script', () => (finalize.calls().length ? true : undefined), 30000);
        expect(finalize.calls()).toEqual([['1', sessionDir]]);
        expect(JSON.parse(fs.readFileSync(path.join(sessionDir, 'metadata.json'), 'utf8')).meeting_url).toBe(`${page.baseUrl}/testroom`);
        await waitFor('the marker to go', () => (fs.readdirSync(path.join(dir, STATE_DIR)).some((f) => f.endsWith('.json')) ? undefined : true), 10000);
        await waitFor('health to recover', async () => ((await health(svc.api)).status.health.healthStatus === 'HEALTHY') || undefined, 10000);
        expect((await health(svc.api)).status.health.details.finalize).toBeUndefined();
        // Delivered once, after its finalize script, with the metadata.json written then.
        await waitFor('the ready event', () => ready[0], 30000);
        expect(ready).toHaveLength(1);
        expect(ready[0]!.scriptRuns).toBe(1);
        expect(ready[0]!.event.sessionId).toBe('disk-full');
        expect(ready[0]!.event.files.map((f) => f.name).sort()).toEqual([path.basename(file), 'manifest.json', 'metadata.json'].sort());
        expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'room-again'))).status).toBe(200);
        await waitForSessionState(svc.service, 'room-again', 'recording');
        await post(`${svc.api}/stopService`);
        await svc.service.recorder.whenIdle();
        expect(svc.service.recorder.snapshot().lastSession?.state).toBe('finished');
      } finally {
        await svc.stop();
      }
    });
  });
});
