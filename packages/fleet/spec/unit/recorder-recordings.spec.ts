/** A recorder's listing of its recordings, read as untrusted. */
import { parseListing } from '../../lib/recorder-recordings';
import { updateOf } from '../../lib/recording-watch';

describe("a recorder's listing, read as untrusted", () => {
  it('keeps recordings, drops what is not one, and never takes a name that is a path', () => {
    const sha = 'a'.repeat(64);
    const listed = parseListing({
      recordings: [
        { id: 'room--room_1', sessionId: 'room', meetingUrl: 'https://meet.example.com/room', startedAt: '2026-01-01T10:00:00.000Z', state: 'announced', target: 'local', attempts: 0, files: [{ name: 'room_1.mp4', role: 'media', size: 10, sha256: sha, durationSec: 4.2 }, { name: '../../etc/passwd', role: 'media', size: 1, sha256: sha }, { name: 'hls/index.m3u8', role: 'hls' }] },
        { id: 'x', sessionId: 'y', startedAt: 'z', state: 'hacked', target: 'local' },
        'not an object',
      ],
    });
    expect(listed).toHaveLength(1);
    expect(listed[0]!.files.map((f) => f.name)).toEqual(['room_1.mp4', 'hls/index.m3u8']);
    expect(parseListing({ recordings: 'nope' })).toEqual([]);
    expect(parseListing(null)).toEqual([]);
  });

  it("turns each entry into the fleet's row: recording, uploading, failed with why (retried), delivered", () => {
    const base = { id: 'j', sessionId: 's', meetingUrl: 'https://m/r', startedAt: '2026-01-01T10:00:00.000Z', target: 'store' as const, attempts: 0, files: [{ name: 'r.mp4', role: 'media', size: 2048, durationSec: 61, key: 'p/s/r.mp4', sha256: 'b'.repeat(64) }] };
    // A running session does not say where its file goes (the recorder lists it as local): the queue's entry does.
    expect(updateOf({ ...base, target: 'local', state: 'recording' })).not.toHaveProperty('target');
    expect(updateOf({ ...base, state: 'queued' })).toMatchObject({ state: 'uploading', durationSec: 61, sizeBytes: 2048 });
    expect(updateOf({ ...base, state: 'queued', lastError: 'refused', lastErrorKind: 'credentials', attempts: 2 })).toMatchObject({ state: 'failed', reason: expect.stringMatching(/refused the access key.*It is tried again\.$/) });
    expect(updateOf({ ...base, state: 'announced', bucket: 'rec', endpoint: 'https://s3.example.com' })).toMatchObject({ state: 'delivered', target: 'bucket', bucket: 'rec', endpoint: 'https://s3.example.com', mediaKey: 'p/s/r.mp4' });
    expect(updateOf({ ...base, target: 'local', state: 'announced' })).toMatchObject({ state: 'uploading', reason: 'Being saved by the service.' });
    expect(updateOf({ ...base, target: 'local', state: 'announced' }, { keptPath: '/k', keptUntil: '2026-01-08T10:00:00.000Z' })).toMatchObject({ state: 'delivered', target: 'service', keptPath: '/k' });
  });
});
