import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import type { RecordingReadyEvent } from '../../../lib/delivery/links';
import { eventsHandler } from '../../../lib/status/sse';
import type { HealthView } from '../../../lib/status/health-body';
import type { Recorder } from '../../../lib/recorder/recorder';
import { registerSecret } from '../../../lib/redact';
import { sseEvent } from '../../../lib/status/sse';

const SECRET = 'event-view-secret-8c2e';

const ready: RecordingReadyEvent = {
  eventId: 'room_1--room_2026-01-02-10-00-00',
  jibriId: 'jibri-1',
  sessionId: 'room/1',
  meetingUrl: `https://meet.example.com/room#config.pw=${encodeURIComponent(SECRET)}`,
  sinkType: 'file',
  startedAt: '2026-01-02T10:00:00.000Z',
  endedAt: '2026-01-02T10:42:10.000Z',
  storage: { type: 's3', bucket: 'recordings' },
  files: [{ name: 'room.mp4', role: 'media', size: 10, key: 'room_1/room.mp4', url: 'https://s3.example.com/recordings/room_1/room.mp4?X-Amz-Signature=abc' }],
};

/** A recorder as the handler sees it: its events and a snapshot. */
function fakeRecorder(): Recorder {
  const r = new EventEmitter() as EventEmitter & { snapshot: () => unknown };
  r.snapshot = () => ({ busyStatus: 'IDLE', healthStatus: 'HEALTHY', details: {}, sessions: [] });
  return r as unknown as Recorder;
}

/** Opens one stream with the given view; returns what it wrote and a way to close it. */
function open(recorder: Recorder, recordings: EventEmitter, view: HealthView): { written: string[]; close(): void } {
  const written: string[] = [];
  const req = new EventEmitter() as unknown as Request;
  const res = {
    status: () => res,
    set: () => res,
    flushHeaders: () => undefined,
    write: (chunk: string) => written.push(chunk),
  } as unknown as Response;
  eventsHandler(recorder, { maxStreams: 4, view: () => view, recordings })(req, res);
  return { written, close: () => void (req as unknown as EventEmitter).emit('close') };
}

describe('the event stream\'s recording events', () => {
  beforeAll(() => registerSecret(SECRET));

  it('go only to streams that may read health\'s full view, once each, redacted', () => {
    const recorder = fakeRecorder();
    const recordings = new EventEmitter();
    const full = open(recorder, recordings, 'full');
    const pub = open(recorder, recordings, 'public');
    recordings.emit('recording', ready);

    const got = full.written.filter((w) => w.includes('event: recording'));
    expect(got).toHaveLength(1);
    expect(got[0]).toContain('room_1/room.mp4');
    expect(got[0]).toContain('X-Amz-Signature');
    expect(got[0]).not.toContain(SECRET);
    expect(got[0]).not.toContain(encodeURIComponent(SECRET));
    expect(pub.written.join('')).not.toMatch(/event: recording|room\.mp4|meet\.example\.com/);

    full.close();
    pub.close();
    expect(recordings.listenerCount('recording')).toBe(0);
    recordings.emit('recording', ready);
    expect(full.written.filter((w) => w.includes('event: recording'))).toHaveLength(1);
  });
});

describe('server-sent events', () => {
  it('writes id, event and one data line', () => {
    expect(sseEvent('status', 3, { busy: false })).toBe('id: 3\nevent: status\ndata: {"busy":false}\n\n');
  });
});
