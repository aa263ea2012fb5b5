/**
 * Jest's global setup: names the folder of this run's S3 server (started later, by the first spec that
 * needs one) so that every spec file shares it, and ties its life to this process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export default function globalSetup(): void {
  if (process.env.JIBRI_TS_S3_DIR) return;
  process.env.JIBRI_TS_S3_DIR = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-s3-')), 'cluster');
  process.env.JIBRI_TS_S3_PARENT = String(process.pid);
}
