/**
 * Jest's global teardown: stops this run's S3 servers (RGW, s3rver), when a spec started them, and the PulseAudio server
 * the recorders started, when none ran before; removes the fleet's recorder copy.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { stopS3 } from '../../testkit/s3';
import { stopS3rver } from '../../testkit/s3rver';

export default async function globalTeardown(): Promise<void> {
  // npm test runs its lanes as several jest runs at once, sharing these servers, and stops them itself.
  if (process.env.JIBRI_TS_RUN_SERVERS !== 'script') {
    await stopS3(process.env.JIBRI_TS_S3_DIR);
    await stopS3rver();
    // The service leaves its PulseAudio server running for the next start; a test run leaves nothing.
    if (process.env.JIBRI_TS_PULSE_BEFORE === 'no') spawnSync('pulseaudio', ['--kill'], { stdio: 'ignore', timeout: 10000 });
  }
  const copy = process.env.JIBRI_TS_FLEET_RECORDER_COPY;
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
}
