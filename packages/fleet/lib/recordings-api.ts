/**
 * The developer API's recordings, the JSON twin of the dashboard's page, in the seed's envelope:
 *   GET    /recordings                     the account's recordings, newest first, with download links
 *   GET    /recordings/:id                 one of them
 *   DELETE /recordings/:id                 removes the service's copy (objects in the customer's bucket stay)
 *   GET    /recordings/:id/download?expires=…&signature=…   a kept recording's file, by its short-lived link
 * The first three take the API key like every customer endpoint; an id of another account's recording is
 * answered exactly as an id that does not exist (404). The download takes no key: its link is the
 * permission, minted for the owner only and valid DOWNLOAD_LINK_SEC.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '@jibri-ts/common';
import { reply } from './envelope';
import { DOWNLOAD_LINK_SEC, type RecordingLinks } from './recording-links';
import { recordingJson } from './recording-view';
import type { Recording, RecordingsStore } from './recordings-store';
import type { Account } from './store';

export interface RecordingsDeps {
  store: RecordingsStore;
  links: RecordingLinks;
  /** JIBRI_FLEET_RECORDINGS_DIR: a kept copy is only ever read or removed inside it. */
  recordingsDir: string;
  log: Logger;
}

/** A kept copy's folder, only when it is inside the recordings folder (a row never aims a read or a removal elsewhere). */
function keptDir(deps: RecordingsDeps, r: Recording): string | undefined {
  return r.keptPath && path.dirname(path.resolve(r.keptPath)) === path.resolve(deps.recordingsDir) ? r.keptPath : undefined;
}

/**
 * The owner removes a recording: the service's copy goes and the list no longer shows it (its length still
 * counts in the ledger: it was made). Only once it is delivered or expired: before, it is on its way.
 */
export function removeRecording(deps: RecordingsDeps, accountId: string, id: string): { ok: true; recording: Recording } | { ok: false; status: 404 | 409; message: string } {
  const r = deps.store.get(accountId, id);
  if (!r || r.state === 'deleted') return { ok: false, status: 404, message: 'no such recording' };
  if (r.state !== 'delivered' && r.state !== 'expired') return { ok: false, status: 409, message: `the recording is ${r.state}: it can be deleted once it is delivered` };
  const dir = keptDir(deps, r);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  deps.store.setState(accountId, id, ['delivered', 'expired'], { state: 'deleted', keptPath: undefined, reason: r.target === 'bucket' ? 'Deleted here; the objects in your bucket stay.' : 'Deleted.' });
  deps.log.info(`recording ${id} of account ${accountId} deleted by its owner`, { component: 'fleet-recordings' });
  return { ok: true, recording: r };
}

/** The account's recordings as JSON, each delivered one with a fresh short-lived link. */
export async function recordingsJson(deps: RecordingsDeps, list: Recording[]): Promise<Array<Record<string, unknown>>> {
  const now = Date.now();
  return Promise.all(
    list.map(async (r) => {
      const link = r.state === 'delivered' ? await deps.links.media(r, DOWNLOAD_LINK_SEC) : undefined;
      return recordingJson(r, now, link && 'url' in link ? link : undefined);
    }),
  );
}

/** Streams a kept recording's media (the link was checked). */
export function sendKept(deps: RecordingsDeps, r: Recording, res: Response): void {
  const dir = keptDir(deps, r);
  const media = r.files.find((f) => f.role === 'media');
  const file = dir && media && !media.name.includes('/') ? path.join(dir, media.name) : undefined;
  let size: number | undefined;
  try {
    size = file ? fs.statSync(file).size : undefined;
  } catch {
    size = undefined;
  }
  if (!file || size === undefined) return reply(res, 404, 'the recording is no longer kept');
  res.status(200).set({
    'content-type': media!.name.endsWith('.m4a') ? 'audio/mp4' : 'video/mp4',
    'content-length': String(size),
    'content-disposition': `attachment; filename="${media!.name.replace(/["\\\r\n]/g, '_')}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

export function recordingsRouter(deps: RecordingsDeps & { accountOf: (req: Request) => Account | undefined | null; perKey: RequestHandler; byLink: (id: string) => Recording | undefined }): Router {
  const r = Router();
  const owner = (req: Request, res: Response): Account | undefined => {
    const account = deps.accountOf(req);
    if (!account) reply(res, 401, account === null ? 'missing API Key' : 'invalid API Key');
    return account ?? undefined;
  };
  r.get('/recordings', deps.perKey, async (req, res) => {
    const account = owner(req, res);
    if (!account) return;
    const list = deps.store.ofAccount(account.id);
    reply(res, 200, `${list.length} recording(s)`, { recordings: await recordingsJson(deps, list) });
  });
  r.get('/recordings/:id/download', (req, res) => {
    const id = String(req.params.id);
    const rec = deps.links.valid(id, req.query.expires, req.query.signature) ? deps.byLink(id) : undefined;
    if (!rec || rec.state !== 'delivered' || rec.target !== 'service') return reply(res, 404, 'this download link is not valid (it expired, or the recording is gone): get a new one from GET /recordings or the dashboard');
    sendKept(deps, rec, res);
  });
  r.get('/recordings/:id', deps.perKey, async (req, res) => {
    const account = owner(req, res);
    if (!account) return;
    const rec = deps.store.get(account.id, String(req.params.id));
    if (!rec || rec.state === 'deleted') return reply(res, 404, 'no such recording');
    reply(res, 200, rec.state, { recording: (await recordingsJson(deps, [rec]))[0] });
  });
  r.delete('/recordings/:id', deps.perKey, (req, res) => {
    const account = owner(req, res);
    if (!account) return;
    const done = removeRecording(deps, account.id, String(req.params.id));
    if (!done.ok) return reply(res, done.status, done.message);
    reply(res, 200, done.recording.target === 'bucket' ? 'deleted here; the objects in your bucket stay' : 'deleted');
  });
  return r;
}
