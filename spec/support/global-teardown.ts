/** Jest's global teardown: stops this run's S3 server, when a spec started one. */
import { stopS3 } from '../../testkit/s3';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.JIBRI_TS_S3_DIR;
  await stopS3(dir);
}
