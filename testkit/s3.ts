/**
 * The real S3 server of the specs and the bench: Ceph's RADOS Gateway on a single-node cluster
 * (scripts/s3-server.sh). It is started once per test run, by the first spec that asks for it, and
 * stopped by jest's global teardown (spec/support/global-teardown.ts); the script's watchdog removes it
 * too if the run dies. Each spec makes its own bucket.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import * as crypto from 'node:crypto';
import * as os from 'node:os';

/** The repository, from testkit/ or from its build under dist/ (the bench). */
const ROOT = [path.resolve(__dirname, '..'), path.resolve(__dirname, '../..')].find((d) => fs.existsSync(path.join(d, 'scripts/s3-server.sh'))) ?? path.resolve(__dirname, '..');
const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts/s3-server.sh');

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** Milliseconds this call took (0 when the server was already running). */
  startMs: number;
}

/** The variable that names the run's server folder; set by the global setup, read by every spec file. */
export const S3_DIR_VAR = 'JIBRI_TS_S3_DIR';

export async function sharedS3(): Promise<S3Server> {
  let dir = process.env[S3_DIR_VAR];
  let parent = process.env.JIBRI_TS_S3_PARENT ?? String(process.pid);
  if (!dir) {
    // No global setup (the bench, a script): a server of our own, gone when this process is.
    dir = path.join(tempDir('jibri-ts-s3-'), 'cluster');
    process.env[S3_DIR_VAR] = dir;
    parent = String(process.pid);
  }
  const info = path.join(dir, 's3.json');
  if (fs.existsSync(info)) {
    const s = JSON.parse(fs.readFileSync(info, 'utf8')) as Omit<S3Server, 'startMs'>;
    // Make sure the gateway is up (a spec may have stopped it and failed before starting it again).
    await run('bash', [SCRIPT, 'gateway-start', dir], { timeout: 120000 });
    return { ...s, startMs: 0 };
  }
  const t0 = Date.now();
  // Spec files that run side by side may both come first: one starts the cluster, the other then finds it.
  const lock = `${path.dirname(dir)}/start.lock`;
  const { stdout } = await run('flock', [lock, 'bash', SCRIPT, 'start', dir, parent], { timeout: 600000, maxBuffer: 1 << 20 });
  const s = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Omit<S3Server, 'startMs'>;
  return { ...s, startMs: Date.now() - t0 };
}

/** Stops the server and removes its temp folder. */
export async function stopS3(dir = process.env[S3_DIR_VAR]): Promise<void> {
  if (!dir) return;
  if (fs.existsSync(path.join(dir, 'ceph.conf'))) await run('bash', [SCRIPT, 'stop', dir], { timeout: 120000 });
  if (path.basename(path.dirname(dir)).startsWith('jibri-ts-s3-')) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

/** The store goes away (radosgw stops; the cluster keeps the objects) and comes back. */
export async function stopGateway(s: S3Server): Promise<void> {
  await run('bash', [SCRIPT, 'gateway-stop', s.dir], { timeout: 60000 });
}

export async function startGateway(s: S3Server): Promise<void> {
  await run('bash', [SCRIPT, 'gateway-start', s.dir], { timeout: 120000 });
}

/** The pid of the running radosgw (to pause it with SIGSTOP: a store that hangs mid-upload). */
export function gatewayPid(s: S3Server): number {
  return Number(fs.readFileSync(path.join(s.dir, 'run/client.rgw.pid'), 'utf8').trim());
}

export function s3Client(s: S3Server): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function createBucket(s: S3Server, prefix: string): Promise<string> {
  const bucket = `${prefix}-${crypto.randomBytes(4).toString('hex')}`.toLowerCase();
  const client = s3Client(s);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return bucket;
}

/** Empties a bucket and removes it (a customer who deleted theirs). */
export async function removeBucket(s: S3Server, bucket: string): Promise<void> {
  const client = s3Client(s);
  try {
    for (const key of await listObjects(s, bucket)) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** The recorder's settings for this server and bucket. */
export function uploadEnv(s: S3Server, bucket: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    JIBRI_UPLOAD_S3_BUCKET: bucket,
    JIBRI_UPLOAD_S3_REGION: s.region,
    JIBRI_UPLOAD_S3_ENDPOINT: s.endpoint,
    JIBRI_UPLOAD_S3_ACCESS_KEY_ID: s.accessKeyId,
    JIBRI_UPLOAD_S3_SECRET_ACCESS_KEY: s.secretAccessKey,
    JIBRI_UPLOAD_S3_FORCE_PATH_STYLE: 'true',
    ...extra,
  };
}

export interface ObjectFacts {
  key: string;
  size: number;
  sha256: string;
  metadata: Record<string, string>;
}

export async function listObjects(s: S3Server, bucket: string): Promise<string[]> {
  const client = s3Client(s);
  const r = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  client.destroy();
  return (r.Contents ?? []).map((o) => o.Key ?? '').sort();
}

export async function objectFacts(s: S3Server, bucket: string, key: string): Promise<ObjectFacts> {
  const client = s3Client(s);
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of body.Body as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  client.destroy();
  return { key, size, sha256: hash.digest('hex'), metadata: head.Metadata ?? {} };
}

export async function getText(s: S3Server, bucket: string, key: string): Promise<string> {
  const client = s3Client(s);
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await (r.Body as { transformToString(): Promise<string> }).transformToString();
  client.destroy();
  return text;
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
