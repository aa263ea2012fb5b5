/**
 * No recording is ever lost: a killed encoder or a killed service leaves a playable file, and the next
 * start of the service finalizes what a dead one left behind. Real processes, real SIGKILLs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemoServer, type DemoServer } from '../../lib/demo/server';
import { probeMedia } from '../../lib/output/probe';
import {
  finalizeRecorder, findRecordings, health, post, spawnServiceProcess, startBody, startTestService, tempDir, waitFor, waitForSessionState,
} from '../../testkit/service';

/**
 * The processes whose command line names this file. By its whole path: the name alone (the call's name
 * and the second it started) is shared by another spec's session that records the same page in the same
 * second, and killing that one's encoder ended the wrong session.
 */
function pidsWriting(file: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('crash safety', () => {
  let page: DemoServer;
  beforeAll(async () => {
    page = await startDemoServer();
  });
  afterAll(async () => page?.close());

  it('an encoder killed with SIGKILL ends the session with an error, keeps a playable file, and the next start works', async () => {
    const svc = await startTestService();
    try {
      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'kill-ffmpeg'))).status).toBe(200);
      await waitForSessionState(svc.service, 'kill-ffmpeg', 'recording');
      const file = svc.service.recorder.getSession('kill-ffmpeg')!.paths.mediaFile;
      await new Promise((r) => setTimeout(r, 4000));
      const [pid] = pidsWriting(file);
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGKILL');
      await svc.service.recorder.whenIdle();
      const h = await health(svc.api);
      expect(h.status.health.details.lastSession.state).toBe('failed');
      expect(h.status.health.details.lastSession.error.code).toBe('ENCODER_EXITED');
      expect(h.status.health.healthStatus).toBe('HEALTHY');
      const m = await probeMedia(file);
      expect(m.video?.codec).toBe('h264');
      expect(m.durationSec).toBeGreaterThan(2);

      expect((await post(`${svc.api}/startService`, startBody(page.baseUrl, 'after-kill'))).status).toBe(200);
      await waitForSessionState(svc.service, 'after-kill', 'recording');
      await new Promise((r) => setTimeout(r, 1500));
      await post(`${svc.api}/stopService`);
      await svc.service.recorder.whenIdle();
      expect(svc.service.recorder.snapshot().lastSession?.state).toBe('finished');
    } finally {
      await svc.stop();
    }
  });

  it('a service killed with SIGKILL leaves a playable file, finalized at its next start', async () => {
    const dir = tempDir('jibri-ts-rec-');
    const finalize = finalizeRecorder(tempDir());
    const env = { JIBRI_RECORDING_DIR: dir, JIBRI_FINALIZE_RECORDING_SCRIPT_PATH: finalize.script, JIBRI_LOG_LEVEL: 'info' };
    const first = await spawnServiceProcess(env);
    expect((await post(`${first.api}/startService`, startBody(page.baseUrl, 'kill-service', { }))).status).toBe(200);
    await waitFor('recording to begin', async () => ((await health(first.api)).status.health.details['session:kill-service']?.state === 'recording') || undefined, 30000);
    const recordSince = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    first.child.kill('SIGKILL');
    const recordedSec = (Date.now() - recordSince) / 1000;
    await first.exited;

    const [file] = findRecordings(dir);
    expect(file).toBeDefined();
    // The encoder outlived its service only as long as it took to close the file.
    await waitFor('the orphaned encoder to exit', () => (pidsWriting(file!).length === 0 ? true : undefined), 15000);
    const m = await probeMedia(file!);
    expect(m.video?.codec).toBe('h264');
    expect(m.audio?.codec).toBe('aac');
    expect(m.durationSec).toBeGreaterThan(recordedSec - 2);
    expect(fs.existsSync(path.join(path.dirname(file!), 'metadata.json'))).toBe(false);
    expect(finalize.calls()).toEqual([]);

    const second = await spawnServiceProcess(env);
    try {
      await waitFor('the leftover to be finalized', () => (finalize.calls().length ? true : undefined), 30000);
      expect(finalize.calls()).toEqual([['1', path.dirname(file!)]]);
      const meta = JSON.parse(fs.readFileSync(path.join(path.dirname(file!), 'metadata.json'), 'utf8'));
      expect(meta.meeting_url).toBe(`${page.baseUrl}/testroom`);
      expect(second.output()).toMatch(/finalizing a recording left by a service that stopped unexpectedly/);
      const after = await probeMedia(file!);
      expect(after.durationSec).toBeGreaterThan(recordedSec - 2);
    } finally {
      second.child.kill('SIGINT');
      await second.exited;
    }
  });
});
