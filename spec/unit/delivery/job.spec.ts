import { announced, attemptFailed, backoffSec, counts, finalized, jobId, newJob, nextDue, nextWake, objectKey, RETRY_MAX_SEC, uploaded, verified, type UploadJob } from '../../../lib/delivery/job';
import { hlsDeliveredFiles } from '../../../lib/output/hls/kind';
import { localCopyDue } from '../../../lib/delivery/retention';
import { buildManifest, participantsOf } from '../../../lib/delivery/manifest';
import { readyEvent } from '../../../lib/delivery/links';

const rec = {
  sessionId: 'Team Call/1',
  meetingUrl: 'https://meet.example.com/Team',
  sinkType: 'file' as const,
  mediaFile: '/rec/Team_Call_1/team_2026-01-02-03-04-05.mp4',
  startedAt: '2026-01-02T03:04:05.000Z',
  endedAt: '2026-01-02T04:04:05.000Z',
};

function job(over: Partial<UploadJob> = {}): UploadJob {
  return { ...newJob(rec, { instanceId: 'jibri-1', target: 'store', state: 'queued', now: 1000 }), ...over };
}

describe('upload jobs', () => {
  it('names a job after the session folder and the media file, and keys objects <prefix><session folder>/<file>', () => {
    expect(jobId(rec.sessionId, rec.mediaFile)).toBe('Team_Call_1--team_2026-01-02-03-04-05');
    expect(objectKey('recordings/', '/rec/Team_Call_1', 'team.mp4')).toBe('recordings/Team_Call_1/team.mp4');
    expect(objectKey('', '/rec/Team_Call_1', 'manifest.json')).toBe('Team_Call_1/manifest.json');
  });

  it('waits while finalizing, then is due at once', () => {
    const j = newJob(rec, { instanceId: 'jibri-1', target: 'store', state: 'finalizing', now: 0 });
    expect(nextDue([j], 10)).toBeUndefined();
    expect(nextWake([j])).toBeUndefined();
    const q = finalized(j, 50);
    expect(q.state).toBe('queued');
    expect(nextDue([q], 50)).toBe(q);
  });

  it('backs off by doubling from the retry delay, with jitter, up to 15 minutes', () => {
    const mid = () => 0.5;
    expect(backoffSec(1, 5, mid)).toBe(5);
    expect(backoffSec(2, 5, mid)).toBe(10);
    expect(backoffSec(4, 5, mid)).toBe(40);
    expect(backoffSec(30, 5, mid)).toBe(RETRY_MAX_SEC);
    expect(backoffSec(1, 5, () => 0)).toBe(4);
    expect(backoffSec(1, 5, () => 1)).toBeCloseTo(6, 9);
  });

  it('a failed attempt counts, keeps the error and moves the next attempt later', () => {
    const f = attemptFailed(job(), 'store down', 10000, 5, () => 0.5);
    expect(f).toMatchObject({ state: 'queued', attempts: 1, lastError: 'store down', nextAttemptAt: 15000 });
    expect(nextDue([f], 14999)).toBeUndefined();
    expect(nextDue([f], 15000)).toBe(f);
    expect(nextWake([f])).toBe(15000);
  });

  it('takes verified jobs first (only their event is missing), then the earliest due', () => {
    const a = job({ id: 'a', nextAttemptAt: 300 });
    const b = job({ id: 'b', nextAttemptAt: 100 });
    const v = verified(job({ id: 'v' }), 0);
    expect(nextDue([a, b], 1000)?.id).toBe('b');
    expect(nextDue([a, b, v], 1000)?.id).toBe('v');
    expect(nextDue([announced(v, 1)], 1000)).toBeUndefined();
  });

  it('counts pending, failing, verified and done jobs, and the bytes that wait', () => {
    const c = counts([
      job({ id: '1', files: [{ role: 'media', name: 'a.mp4', path: '/a', size: 100 }] }),
      attemptFailed(job({ id: '2', files: [{ role: 'media', name: 'b.mp4', path: '/b', size: 50, verified: true }, { role: 'metadata', name: 'metadata.json', path: '/m', size: 7 }] }), 'x', 0, 1),
      verified(job({ id: '3' }), 0),
      announced(verified(job({ id: '4' }), 0), 0),
    ]);
    expect(c).toEqual({ pending: 2, failed: 1, verified: 1, done: 1, pendingBytes: 107 });
  });
});

describe('retention', () => {
  const allVerified = (j: UploadJob): UploadJob => ({ ...j, files: j.files.map((f) => ({ ...f, verified: true })) });
  const done = announced(verified(allVerified(job()), 0), 0);
  const ended = Date.parse(rec.endedAt);

  it('never removes a copy that is not verified in the store', () => {
    const policy = { keepLocal: false, retentionSec: 1 };
    expect(localCopyDue(job(), ended + 1e9, policy)).toBe(false);
    expect(localCopyDue(announced(verified(job(), 0), 0), ended + 1e9, policy)).toBe(false);
    expect(localCopyDue({ ...done, target: 'local' }, ended + 1e9, policy)).toBe(false);
    expect(uploaded({ ...done, files: [] })).toBe(false);
  });

  it('with keep-local off, removes a verified copy once its event went out', () => {
    expect(localCopyDue(done, ended, { keepLocal: false, retentionSec: 0 })).toBe(true);
    expect(localCopyDue(verified(allVerified(job()), 0), ended, { keepLocal: false, retentionSec: 0 })).toBe(false);
  });

  it('with a retention, removes an uploaded copy once it is older than that, counted from the end', () => {
    const policy = { keepLocal: true, retentionSec: 3600 };
    expect(localCopyDue(done, ended + 3599 * 1000, policy)).toBe(false);
    expect(localCopyDue(done, ended + 3600 * 1000, policy)).toBe(true);
    expect(localCopyDue(done, ended + 1e12, { keepLocal: true, retentionSec: 0 })).toBe(false);
  });
});

describe('manifest and ready event', () => {
  it('reads participants from metadata.json, and nothing from a broken one', () => {
    expect(participantsOf('{"meeting_url":"x","participants":[{"id":"a"}]}')).toEqual([{ id: 'a' }]);
    expect(participantsOf('{broken')).toEqual([]);
    expect(participantsOf(undefined)).toEqual([]);
  });

  it('lists every file with size, SHA-256, duration and codecs', () => {
    const files = [
      { role: 'media' as const, name: 'a.mp4', path: '/a.mp4', size: 10, sha256: 'aa', key: 'S/a.mp4' },
      { role: 'metadata' as const, name: 'metadata.json', path: '/m', size: 2, sha256: 'bb' },
    ];
    const m = buildManifest(job(), files, { 'a.mp4': { durationSec: 12.3456, formatName: 'mov,mp4', video: { codec: 'h264', width: 1280, height: 720, fps: 30 }, audio: { codec: 'aac', sampleRate: 44100, channels: 2 } } }, [{ id: 'p' }]);
    expect(m).toMatchObject({ version: 1, sessionId: rec.sessionId, meetingUrl: rec.meetingUrl, recorder: 'jibri-1', startedAt: rec.startedAt, endedAt: rec.endedAt, participants: [{ id: 'p' }] });
    expect(m.files[0]).toEqual({ name: 'a.mp4', role: 'media', size: 10, sha256: 'aa', key: 'S/a.mp4', durationSec: 12.346, format: 'mov,mp4', video: { codec: 'h264', width: 1280, height: 720, fps: 30 }, audio: { codec: 'aac', sampleRate: 44100, channels: 2 } });
    expect(m.files[1]).toEqual({ name: 'metadata.json', role: 'metadata', size: 2, sha256: 'bb' });
  });

  it('carries a signed link per file with its expiry, or local paths without a store', async () => {
    const j = { ...job(), files: [{ role: 'media' as const, name: 'a.mp4', path: '/rec/a.mp4', size: 10, sha256: 'aa', key: 'K/a.mp4', verified: true, durationSec: 3 }] };
    const e = await readyEvent(j, { jibriId: 'jibri-1', bucket: 'b', sign: async (key, ttl) => `https://s3/${key}?ttl=${ttl}`, ttlSec: 600, now: 0 });
    expect(e).toMatchObject({ eventId: j.id, jibriId: 'jibri-1', sessionId: rec.sessionId, storage: { type: 's3', bucket: 'b' } });
    expect(e.files).toEqual([{ name: 'a.mp4', role: 'media', size: 10, sha256: 'aa', durationSec: 3, key: 'K/a.mp4', url: 'https://s3/K/a.mp4?ttl=600', urlExpiresAt: '1970-01-01T00:10:00.000Z' }]);
    const local = await readyEvent({ ...j, target: 'local' }, { jibriId: 'jibri-1', ttlSec: 600, now: 0 });
    expect(local.storage).toEqual({ type: 'local' });
    expect(local.files[0]).toMatchObject({ path: '/rec/a.mp4' });
    expect(local.files[0]?.url).toBeUndefined();
  });
});

describe('HLS delivered with the recording', () => {
  it('lists the segments in order, then the playlist, named by their path in the session folder', () => {
    const files = hlsDeliveredFiles('/rec/s', ['index10.ts', 'index.m3u8', 'index2.ts', 'index11.ts.tmp', 'other.txt']);
    expect(files).toEqual([
      { role: 'hls-segment', name: 'hls/index2.ts', path: '/rec/s/hls/index2.ts' },
      { role: 'hls-segment', name: 'hls/index10.ts', path: '/rec/s/hls/index10.ts' },
      { role: 'hls', name: 'hls/index.m3u8', path: '/rec/s/hls/index.m3u8' },
    ]);
    expect(objectKey('p/', '/rec/s', files[2]!.name)).toBe('p/s/hls/index.m3u8');
  });

  it("names the playlist in the ready event, not each segment", async () => {
    const job = newJob({ sessionId: 's', meetingUrl: 'https://m/r', sinkType: 'file', mediaFile: '/rec/s/r.mp4', startedAt: 'a', endedAt: 'b' }, { instanceId: 'i', target: 'local', state: 'queued', now: 0 });
    const withHls = { ...job, files: [...job.files, ...hlsDeliveredFiles('/rec/s', ['index0.ts', 'index.m3u8'])] };
    const event = await readyEvent(withHls, { jibriId: 'i', ttlSec: 60, now: 0 });
    expect(event.files.map((f) => [f.role, f.name])).toEqual([['media', 'r.mp4'], ['hls', 'hls/index.m3u8']]);
  });
});
