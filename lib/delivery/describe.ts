/**
 * What a recording is, before it leaves: each file's size and SHA-256, the media's probe, the participants
 * metadata.json lists, and manifest.json written beside the files (a temporary file renamed into place).
 * A file verified in the store by an earlier attempt stays verified only while it is the same file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METADATA_FILE } from '../output/file-layout';
import { probeMedia, type MediaSummary } from '../output/probe';
import { deliveredFiles } from '../output/outputs';
import { objectKey, type JobFile, type UploadJob } from './job';
import { buildManifest, MANIFEST_FILE, participantsOf } from './manifest';

export async function fileDigest(file: string): Promise<{ size: number; sha256: string }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

type DescribedFile = JobFile & { size: number; sha256: string };

/** Sizes, SHA-256 and probes of the files (the media, metadata.json, the session's HLS). */
async function prepare(job: UploadJob, keyOf: ((f: JobFile) => string) | undefined): Promise<{ files: DescribedFile[]; probes: Record<string, MediaSummary | undefined>; participants: unknown[] }> {
  const media = job.files.find((f) => f.role === 'media')!;
  const metadataPath = path.join(job.sessionDir, METADATA_FILE);
  const keyed = (f: JobFile): JobFile => (keyOf ? { ...f, key: keyOf(f) } : f);
  const described: DescribedFile[] = [];
  const known = (name: string): JobFile | undefined => job.files.find((f) => f.name === name);
  // What the session's outputs left beside the recording (its HLS: segments first, the playlist last; its tracks) goes with it.
  const left = deliveredFiles(job.sessionDir, media.name);
  for (const f of [media, ...(fs.existsSync(metadataPath) ? [{ role: 'metadata' as const, name: METADATA_FILE, path: metadataPath }] : []), ...left]) {
    const digest = await fileDigest(f.path);
    const before = known(f.name);
    const still = before?.verified && before.sha256 === digest.sha256 && before.size === digest.size;
    described.push({ ...keyed(f), ...digest, ...(still ? { verified: true } : {}) });
  }
  const probe = await probeMedia(media.path).catch(() => undefined);
  if (probe) described[0]!.durationSec = Math.round(probe.durationSec * 1000) / 1000;
  let metadataJson: string | undefined;
  try {
    metadataJson = fs.readFileSync(metadataPath, 'utf8');
  } catch {
    metadataJson = undefined;
  }
  return { files: described, probes: { [media.name]: probe }, participants: participantsOf(metadataJson) };
}

/**
 * The job with every file described and manifest.json (written now) listed last. `prefix`: the object
 * keys' prefix when the recording goes to a store; undefined when it stays local (no keys).
 */
export async function describeJob(job: UploadJob, prefix: string | undefined): Promise<UploadJob> {
  const keyOf = prefix === undefined ? undefined : (f: JobFile): string => objectKey(prefix, job.sessionDir, f.name);
  const p = await prepare(job, keyOf);
  const manifest = buildManifest(job, p.files, p.probes, p.participants);
  const manifestPath = path.join(job.sessionDir, MANIFEST_FILE);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const tmp = `${manifestPath}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, manifestPath);
  const sha256 = crypto.createHash('sha256').update(text).digest('hex');
  const before = job.files.find((f) => f.name === MANIFEST_FILE);
  const entry: JobFile = {
    role: 'manifest',
    name: MANIFEST_FILE,
    path: manifestPath,
    size: Buffer.byteLength(text),
    sha256,
    ...(keyOf ? { key: keyOf({ role: 'manifest', name: MANIFEST_FILE, path: manifestPath }) } : {}),
    ...(before?.verified && before.sha256 === sha256 ? { verified: true } : {}),
  };
  return { ...job, files: [...p.files, entry] };
}
