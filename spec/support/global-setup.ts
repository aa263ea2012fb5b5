/**
 * Jest's global setup: names the folders of this run's S3 servers, Ceph RGW and s3rver (each started later,
 * by the first spec that needs it) so that every spec file shares it, and ties its life to this process; makes the recorder
 * program and the Node.js the fleet specs' local recorders can reach (testkit/fleet-recorder.ts); notes whether a
 * PulseAudio server runs already, so that the teardown stops only one this run started.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { prepareFleetRecorder } from '../../testkit/fleet-recorder';

export default function globalSetup(): void {
  if (!process.env.JIBRI_TS_PULSE_BEFORE) {
    process.env.JIBRI_TS_PULSE_BEFORE = spawnSync('pactl', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0 ? 'yes' : 'no';
  }
  if (!process.env.JIBRI_TS_FLEET_RECORDER_COPY) prepareFleetRecorder();
  process.env.JIBRI_TS_S3_PARENT ??= String(process.pid);
  // The second S3 implementation (s3rver, testkit/s3rver.ts), likewise started on first use.
  process.env.JIBRI_TS_S3RVER_DIR ??= path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-s3rver-')), 'server');
  if (process.env.JIBRI_TS_S3_DIR) return;
  process.env.JIBRI_TS_S3_DIR = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-s3-')), 'cluster');
}
