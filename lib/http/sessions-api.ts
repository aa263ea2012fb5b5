/**
 * The sessions and their outputs while they run (jibri-ts's own routes beside Jibri's):
 *   GET    /sessions                              every running session, as health's full view shows it
 *   GET    /sessions/{sessionId}                  one session, its outputs with their link states
 *   POST   /sessions/{sessionId}/outputs          adds an output while it records; answers its id
 *   DELETE /sessions/{sessionId}/outputs/{outputId}  removes one; the others go on
 * All of them need the token when one is configured (and the request guard applies to the changes, as to
 * every state change): a session's outputs name its meeting and its ingests.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { RecorderError } from '../errors';
import type { Logger } from '../log';
import type { Recorder } from '../recorder/recorder';
import { redactDeep } from '../redact';
import type { FieldError } from './bodies';
import { parseOutput } from './outputs-body';
import { httpStatusOf, sendError } from './responses';

interface SessionsDeps {
  recorder: Recorder;
  log: Logger;
  auth?: (req: Request, res: Response, next: NextFunction) => void;
}

/** Ids come from the path: refused before they reach a message or a log line when they could not be ours. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const badId = (v: string): boolean => v.length > 256 || /[\u0000-\u001f\u007f]/.test(v);

export function sessionsRouter(deps: SessionsDeps): Router {
  const router = Router();
  const guarded = deps.auth ? [deps.auth] : [];
  const log = deps.log.child({ component: 'http' });
  const { recorder } = deps;

  const refuse = (res: Response, err: unknown, what: string): void => {
    if (!(err instanceof RecorderError)) throw err;
    log.info(`${what} refused: ${err.message}`);
    sendError(res, httpStatusOf(err), err.code, err.describe(), { retryable: err.retryable });
  };

  router.use('/sessions/:sessionId', (req, res, next) => {
    const { sessionId } = req.params;
    if (badId(sessionId)) return sendError(res, 400, 'BAD_REQUEST', 'The id in the path is too long or has control characters');
    next();
  });

  router.get('/sessions', ...guarded, (_req, res) => {
    res.json(redactDeep({ sessions: recorder.snapshot().sessions }));
  });

  router.get('/sessions/:sessionId', ...guarded, (req, res) => {
    const { sessionId } = req.params as { sessionId: string };
    const session = recorder.snapshot().sessions.find((s) => s.sessionId === sessionId);
    if (!session) return sendError(res, 404, 'SESSION_NOT_FOUND', `No session ${sessionId} is running`);
    res.json(redactDeep(session));
  });

  router.post('/sessions/:sessionId/outputs', ...guarded, (req, res) => {
    const { sessionId } = req.params as { sessionId: string };
    const errors: FieldError[] = [];
    const request = parseOutput(req.body, '(body)', errors);
    if (!request) {
      const first = errors[0];
      log.warn(`adding an output to ${sessionId} refused: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
      return sendError(res, 400, 'BAD_REQUEST', first ? `${first.field} ${first.message}` : 'Invalid body', { field: first?.field, errors });
    }
    try {
      const id = recorder.addOutput(sessionId, request);
      const output = recorder.snapshot().sessions.find((s) => s.sessionId === sessionId)?.outputs?.find((o) => o.id === id);
      res.status(201).json(redactDeep({ id, ...(output ? { output } : {}) }));
    } catch (err) {
      refuse(res, err, `adding an output to ${sessionId}`);
    }
  });

  router.delete('/sessions/:sessionId/outputs/:outputId', ...guarded, async (req, res) => {
    const { sessionId, outputId } = req.params as { sessionId: string; outputId: string };
    if (badId(outputId)) return sendError(res, 400, 'BAD_REQUEST', 'The id in the path is too long or has control characters');
    try {
      await recorder.removeOutput(sessionId, outputId);
      res.status(204).end();
    } catch (err) {
      refuse(res, err, `removing ${outputId} from ${sessionId}`);
    }
  });

  return router;
}
