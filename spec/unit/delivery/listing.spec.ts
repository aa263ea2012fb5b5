import { newJob, attemptFailed, verified, announced, type UploadJob } from '../../../lib/delivery/job';
import { deliveryStatus, recordingEntry, settled } from '../../../lib/delivery/listing';
import { recordingSessions } from '../../../lib/http/recordings-api';

const rec = { sessionId: 'room/1', meetingUrl: 'https://meet.example.com/room', sinkType: 'file' as const, mediaFile: '/rec/room_1/room_2026-01-02-10-00-00.mp4', startedAt: '2026-01-02T10:00:00.000Z', endedAt: '2026-01-02T10:10:00.000Z' };
const job = (over: Partial<UploadJob> = {}): UploadJob => ({ ...newJob(rec, { instanceId: 'r1', target: 'store', state: 'queued', now: 1000 }), ...over });

describe('the recordings list', () => {
  it('shows a job without host paths, its failure with its kind and when it is tried again, and its HLS playlist but not the segments', () => {
    const failed = attemptFailed(job({ files: [
      { role: 'media', name: 'room_2026-01-02-10-00-00.mp4', path: '/rec/room_1/room_2026-01-02-10-00-00.mp4', size: 10, sha256: 'ab', key: 'p/room_1/room_2026-01-02-10-00-00.mp4', durationSec: 5 },
      { role: 'hls', name: 'hls/index.m3u8', path: '/rec/room_1/hls/index.m3u8' },
      { role: 'hls-segment', name: 'hls/index0.ts', path: '/rec/room_1/hls/index0.ts' },
    ] }), 'bucket rec refused the credentials', 2000, 5, () => 0.5, 'credentials');
    const entry = recordingEntry(failed, { where: 'bucket rec at s3.example.com' });
    expect(entry).toMatchObject({ id: failed.id, sessionId: 'room/1', state: 'queued', target: 'store', where: 'bucket rec at s3.example.com', attempts: 1, lastError: 'bucket rec refused the credentials', lastErrorKind: 'credentials', nextAttemptAt: new Date(7000).toISOString() });
    expect(entry.files.map((f) => f.name)).toEqual(['room_2026-01-02-10-00-00.mp4', 'hls/index.m3u8']);
    expect(JSON.stringify(entry)).not.toContain('/rec/');
    // Verified: the failure and its kind are gone.
    const ok = recordingEntry(verified(failed, 9000));
    expect(ok.lastError).toBeUndefined();
    expect(ok.lastErrorKind).toBeUndefined();
    expect(ok.nextAttemptAt).toBeUndefined();
  });

  it('lists running sessions that write a file as recording, with the id the queue will give them', () => {
    const sessions = [
      { sessionId: 'room/1', meetingUrl: rec.meetingUrl, sinkType: 'file' as const, startedAt: rec.startedAt, mediaFile: rec.mediaFile, state: 'recording' },
      { sessionId: 'live', meetingUrl: rec.meetingUrl, sinkType: 'stream' as const, startedAt: rec.startedAt, state: 'recording' },
      { sessionId: 'done', meetingUrl: rec.meetingUrl, sinkType: 'file' as const, startedAt: rec.startedAt, mediaFile: '/rec/done/x.mp4', state: 'finalizing' },
    ];
    expect(recordingSessions(sessions)).toEqual([{ id: job().id, sessionId: 'room/1', meetingUrl: rec.meetingUrl, sinkType: 'file', startedAt: rec.startedAt, state: 'recording', target: 'local', attempts: 0, files: [{ name: 'room_2026-01-02-10-00-00.mp4', role: 'media' }] }]);
  });
});

describe('settled: what an exit waits for', () => {
  it('without hand-off: nothing to upload or announce; with it: nothing left to be taken either', () => {
    const done = announced(verified(job(), 1), 2);
    expect(settled([done], false, 0)).toBe(true);
    expect(settled([done], true, 0)).toBe(false);
    expect(settled([], true, 0)).toBe(true);
    expect(settled([job()], false, 0)).toBe(false);
    expect(settled([verified(job(), 1)], false, 0)).toBe(false);
    expect(settled([], false, 1)).toBe(false);
  });

  it('health says what waits to be taken with hand-off', () => {
    const s = deliveryStatus([announced(verified(job(), 1), 2)], { where: 'bucket rec', handoff: true, totals: { uploaded: 1, bytes: 10, failedAttempts: 0, ready: 1 } });
    expect(s.detail).toBe('bucket rec: 0 pending (0 failing), 1 waiting to be taken');
  });
});
