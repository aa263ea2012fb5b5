/**
 * The dashboard's Recordings pages (signed in): the list and its live fragment, a download (a link made
 * for the owner when clicked, then a redirect to it), and delete. A recording of another account is
 * answered exactly as one that does not exist.
 */
import { Router } from 'express';
import type { Logger } from '@jibri-ts/common';
import { DOWNLOAD_LINK_SEC } from '../recording-links';
import { removeRecording, type RecordingsDeps } from '../recordings-api';
import * as pages from './pages';
import { recordingsPage, recordingsPart } from './recording-pages';
import { visitOf, type SendPage } from './visit';

export interface RecordingRoutesDeps {
  recordings: RecordingsDeps;
  send: SendPage;
  keptFor: string;
  log: Logger;
}

export function recordingRoutes(deps: RecordingRoutesDeps): Router {
  const r = Router();
  const { recordings, send } = deps;
  const list = (accountId: string) => recordings.store.ofAccount(accountId);

  r.get('/recordings', (req, res) => {
    const v = visitOf(res);
    const notices = req.query.deleted !== undefined ? [{ kind: 'ok' as const, text: 'The recording is deleted.' }] : [];
    send(res, 200, { title: 'Recordings', current: 'recordings' }, recordingsPage(v.csrf, list(v.account!.id), { now: Date.now(), keptFor: deps.keptFor }), notices);
  });
  r.get('/recordings/live', (_req, res) => {
    const v = visitOf(res);
    res.type('html').send(recordingsPart(v.csrf, list(v.account!.id), Date.now()).value);
  });
  r.get('/recordings/:id/download', async (req, res) => {
    const v = visitOf(res);
    const rec = recordings.store.get(v.account!.id, String(req.params.id));
    if (!rec || rec.state === 'deleted') return send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    const link = await recordings.links.media(rec, DOWNLOAD_LINK_SEC);
    if ('why' in link) {
      return send(res, 409, { title: 'Recordings', current: 'recordings' }, recordingsPage(v.csrf, list(v.account!.id), { now: Date.now(), keptFor: deps.keptFor }), [{ kind: 'bad', text: `No download for this recording: ${link.why}.` }]);
    }
    deps.log.info(`user ${v.user!.id} downloads recording ${rec.id}`, { component: 'dashboard' });
    res.redirect(303, link.url);
  });
  r.post('/recordings/:id/delete', (req, res) => {
    const v = visitOf(res);
    const done = removeRecording(recordings, v.account!.id, String(req.params.id));
    if (done.ok) return res.redirect(303, '/dashboard/recordings?deleted');
    if (done.status === 404) return send(res, 404, { title: 'Not found' }, pages.notFoundPage());
    send(res, 409, { title: 'Recordings', current: 'recordings' }, recordingsPage(v.csrf, list(v.account!.id), { now: Date.now(), keptFor: deps.keptFor }), [{ kind: 'bad', text: `Not deleted: ${done.message}.` }]);
  });
  return r;
}
