/**
 * The main job with no Jitsi at all: start the service, serve the bundled meeting page, and drive the
 * service through its HTTP API as a user would (startService, wait, stopService), then print the file
 * and a one-line summary of its streams.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environmentWithDotEnv, loadConfig } from '../config';
import { compose } from '../compose';
import { createLogger } from '../log';
import { describeMedia, probeMedia } from '../output/probe';
import { startFileRecording, stopRecording } from './client';
import { startDemoServer } from './server';

export async function runDemo(opts: { seconds: number }): Promise<void> {
  const env = environmentWithDotEnv(process.env);
  // The demo must not disturb a real service: its own ports, and a recordings folder under the project
  // (where it can write one; in the image, the service's own folder).
  const local = path.resolve('recordings');
  const config = loadConfig(
    {
      ...env,
      // Loopback whatever the .env says: the demo drives its own service from this host only.
      JIBRI_HTTP_API_EXTERNAL_HOST: '127.0.0.1',
      JIBRI_HTTP_API_EXTERNAL_PORT: '0',
      JIBRI_HTTP_API_INTERNAL_PORT: '0',
      ...(env.JIBRI_RECORDING_DIR || !canWrite(path.dirname(local)) ? {} : { JIBRI_RECORDING_DIR: local }),
    },
    os.hostname(),
  );
  const log = createLogger(env.JIBRI_LOG_LEVEL ?? 'info');
  const page = await startDemoServer();
  const service = await compose(config, log);
  try {
    const snapshot = service.recorder.snapshot();
    if (snapshot.healthStatus !== 'HEALTHY') {
      const problems = Object.entries(snapshot.details).filter(([, d]) => d.healthStatus !== 'HEALTHY').map(([n, d]) => `  ${n}: ${d.detail}`);
      throw new Error(`the recorder is not healthy:\n${problems.join('\n')}`);
    }
    const api = `${service.http.url}/jibri/api/v1.0`;
    const sessionId = `demo-${new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
    await startFileRecording(api, sessionId, page.baseUrl, 'demo');
    const session = service.recorder.getSession(sessionId);
    // Count the seconds from the first frame, not from the request.
    while (session?.state.name === 'starting') await new Promise((r) => setTimeout(r, 50));
    process.stderr.write(`recording the demo page for ${opts.seconds} s...\n`);
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    await stopRecording(api);
    await service.recorder.whenIdle();
    const last = service.recorder.snapshot().lastSession;
    if (!session || !last) throw new Error('the session vanished');
    if (last.error) throw new Error(`the recording failed: ${last.error.message}${last.error.hint ? ` (${last.error.hint})` : ''}`);
    if (!fs.existsSync(session.paths.mediaFile)) throw new Error('no file was recorded');
    const media = await probeMedia(session.paths.mediaFile);
    process.stdout.write(`${session.paths.mediaFile}\n${describeMedia(media)}\n`);
  } finally {
    await service.stop();
    await page.close();
  }
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
