/**
 * GET /jibri/api/v1.0/events: the recorder's status and session changes as Server-Sent Events, so a
 * client need not poll health. The current status comes first; then `status` events (the health body)
 * and `session` events (the session's summary and the state it left). A comment line every 15 s keeps
 * proxies from closing an idle stream.
 */
import type { Request, Response } from 'express';
import type { Recorder, SessionChange } from '../recorder/recorder';
import type { StatusSnapshot } from '../status/snapshot';
import { healthBody } from './responses';

export const HEARTBEAT_MS = 15000;

/** Pure: one event in the text/event-stream format (data is one JSON line, so no escaping is needed). */
export function sseEvent(event: string, id: number, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function eventsHandler(recorder: Recorder) {
  return (req: Request, res: Response): void => {
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    let id = 0;
    const send = (event: string, data: unknown): void => void res.write(sseEvent(event, ++id, data));
    const onStatus = (s: StatusSnapshot): void => send('status', healthBody(s));
    const onSession = (c: SessionChange): void => send('session', { ...c.session, previousState: c.previous.name });
    res.write('retry: 3000\n\n');
    send('status', healthBody(recorder.snapshot()));
    recorder.on('status', onStatus);
    recorder.on('session', onSession);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      recorder.off('status', onStatus);
      recorder.off('session', onSession);
    });
  };
}
