/**
 * Jibri's external HTTP API: health, startService, stopService. Health stays open (probes, autoscalers),
 * its session details do not; the others need the token when one is configured. The health body
 * carries both the seed's `busy` and Jibri's current `status` shape, so old and new clients read it.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { Recorder } from '../recorder/recorder';
import { recorderLoginAllowed } from '../meeting/call-url';
import { detailsAllowed } from './auth';
import { healthBody, type HealthView } from '../status/health-body';
import { eventsHandler, type RecordingEventSource } from '../status/sse';
import { httpStatusOf, sendError } from './responses';
import { parseStartBody } from './bodies';
import { viewerAccess } from './served-api';

interface RouterDeps {
  config: Config;
  recorder: Recorder;
  log: Logger;
  auth?: (req: Request, res: Response, next: NextFunction) => void;
  recordings?: RecordingEventSource;
}

export function jibriApiRouter(deps: RouterDeps): Router {
  const router = Router();
  const guarded = deps.auth ? [deps.auth] : [];
  const log = deps.log.child({ component: 'http' });

  const mayReadDetails = detailsAllowed(deps.config.http);
  const view = (req: Request): HealthView => (mayReadDetails(req) ? 'full' : 'public');

  // Open to all (probes, autoscalers read busy and healthStatus); session details need the token.
  router.get('/health', (req, res) => {
    res.json(healthBody(deps.recorder.snapshot(), view(req)));
  });

  router.get('/events', ...guarded, eventsHandler(deps.recorder, { maxStreams: deps.config.http.maxEventStreams, view, ...(deps.recordings ? { recordings: deps.recordings } : {}) }));

  router.post('/startService', ...guarded, (req, res) => {
    const parsed = parseStartBody(req.body);
    if (!parsed.ok) {
      const first = parsed.errors[0];
      log.warn(`startService refused: ${parsed.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      return sendError(res, 400, 'BAD_REQUEST', first ? `${first.field} ${first.message}` : 'Invalid body', { field: first?.field, errors: parsed.errors });
    }
    const { config } = deps;
    const ownLogin = config.recorderLogin && recorderLoginAllowed(parsed.request.call.baseUrl, config.recorderLoginOrigins) ? config.recorderLogin : undefined;
    const callLogin = parsed.request.callLogin ?? ownLogin;
    if (!callLogin) {
      const why = config.recorderLogin ? `the meeting is not on ${config.recorderLoginOrigins.join(', ')}` : 'no recorder login is configured';
      log.warn(`startService refused for ${parsed.request.sessionId}: no call login (${why})`);
      return sendError(res, 412, 'CALL_LOGIN_MISSING', 'Call login params missing', {
        hint: config.recorderLogin
          ? 'Send callLoginParams: the configured recorder login is used only for meetings on PUBLIC_URL, https://XMPP_DOMAIN or JIBRI_CALL_LOGIN_ALLOWED_ORIGINS'
          : 'Send callLoginParams, or set JIBRI_RECORDER_USER and JIBRI_RECORDER_PASSWORD',
      });
    }
    try {
      const session = deps.recorder.start({ ...parsed.request, callLogin });
      // Jibri answers with no body; a session with something to watch (HLS) also gets its links and viewer token.
      const access = viewerAccess(session.id, session.outputs);
      if (access) res.status(200).json({ sessionId: session.id, ...access });
      else res.status(200).end();
    } catch (err) {
      if (err instanceof RecorderError) {
        log.info(`startService for ${parsed.request.sessionId} refused: ${err.message}`);
        return sendError(res, httpStatusOf(err), err.code, err.describe(), { retryable: err.retryable });
      }
      throw err;
    }
  });

  router.post('/stopService', ...guarded, async (req, res) => {
    // Always 200, once the recording is closed on disk: a stop with nothing running is a no-op.
    const body = req.body as { sessionId?: unknown } | undefined;
    const sessionId = typeof body?.sessionId === 'string' && body.sessionId ? body.sessionId : undefined;
    await deps.recorder.stop(sessionId);
    res.status(200).end();
  });

  return router;
}
