/**
 * The SSE stream (GET /jibri/api/v1.0/events, served by lib/http): the recorder's status and session
 * changes as Server-Sent Events, so a client need not poll health. The current status comes first; then `status` events (the health body)
 * and `session` events (the session's summary and the state it left), and `recording` once a
 * recording is delivered (the same body as the recording-ready webhook). Session and recording events
 * carry meeting URLs and download links, so they go only to requests that may read health's full view;
 * every event passes through the one redaction function. A comment line every 15 s keeps proxies from
 * closing an idle stream. At most JIBRI_HTTP_API_MAX_EVENT_STREAMS streams are open at once: each holds
 * a connection and up to three listeners, so one more is answered 503.
 */
import type { Request, Response } from 'express';
import type { RecordingReadyEvent } from '../delivery/links';
import type { Recorder, SessionChange } from '../recorder/recorder';
import { redactDeep } from '../redact';
import type { RecordingEvents } from './webhook-client';
import type { StatusSnapshot } from '../recorder/snapshot';
import { healthBody, type HealthView } from './health-body';

export const HEARTBEAT_MS = 15000;

/** Pure: one event in the text/event-stream format (data is one JSON line, so no escaping is needed). */
export function sseEvent(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The delivery worker as the event stream sees it: its events, and room for one listener per stream. */
export type RecordingEventSource = RecordingEvents & { getMaxListeners(): number; setMaxListeners(n: number): unknown };

export interface EventsOptions {
  maxStreams: number;
  /** Which health view a request gets; session events go only to those who may read the full one. */
  view: (req: Request) => HealthView;
  /** Where "recording ready" events come from (the delivery worker). */
  recordings?: RecordingEventSource;
}

export function eventsHandler(recorder: Recorder, opts: EventsOptions) {
  let open = 0;
  const { recordings } = opts;
  // Every stream adds two listeners; the edges and status pushers add a few more.
  recorder.setMaxListeners(Math.max(recorder.getMaxListeners(), opts.maxStreams + 16));
  recordings?.setMaxListeners(Math.max(recordings.getMaxListeners(), opts.maxStreams + 16));
  return (req: Request, res: Response): void => {
    if (open >= opts.maxStreams) {
      res.set('Retry-After', '30');
      // The HTTP API's error body (lib/http/responses.ts sendError); nothing in it is secret.
      res.status(503).json({
        error: {
          code: 'TOO_MANY_STREAMS',
          message: `${opts.maxStreams} event streams are open, the most this recorder serves at once`,
          hint: 'Close one, poll /health instead, or raise JIBRI_HTTP_API_MAX_EVENT_STREAMS',
        },
      });
      return;
    }
    open++;
    const view = opts.view(req);
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    let id = 0;
    const send = (event: string, data: unknown): void => void res.write(sseEvent(event, ++id, data));
    const onStatus = (s: StatusSnapshot): void => send('status', healthBody(s, view));
    const onSession = (c: SessionChange): void => send('session', redactDeep({ ...c.session, previousState: c.previous.name }));
    const onRecording = (e: RecordingReadyEvent): void => send('recording', redactDeep(e));
    res.write('retry: 3000\n\n');
    send('status', healthBody(recorder.snapshot(), view));
    recorder.on('status', onStatus);
    if (view === 'full') {
      recorder.on('session', onSession);
      recordings?.on('recording', onRecording);
    }
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      open--;
      clearInterval(heartbeat);
      recorder.off('status', onStatus);
      recorder.off('session', onSession);
      recordings?.off('recording', onRecording);
    });
  };
}
