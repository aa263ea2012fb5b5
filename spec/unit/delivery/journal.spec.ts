import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLAIM_STALE_MS, JOURNAL_DIR, UploadJournal } from '../../../lib/delivery/journal';
import { newJob } from '../../../lib/delivery/job';

function journal(): { j: UploadJournal; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jibri-ts-journal-'));
  return { j: new UploadJournal(dir), dir: path.join(dir, JOURNAL_DIR) };
}

const job = newJob(
  { sessionId: 's1', meetingUrl: 'https://m/x', sinkType: 'file', mediaFile: '/r/s1/x_2026-01-01-00-00-00.mp4', startedAt: 'a', endedAt: 'b' },
  { instanceId: 'i', target: 'store', state: 'queued', now: 0 },
);

describe('the upload journal', () => {
  it('keeps jobs across instances and reports unreadable entries without deleting them', () => {
    const { j, dir } = journal();
    j.save(job);
    fs.writeFileSync(path.join(dir, 'broken.json'), '{');
    const again = new UploadJournal(path.dirname(dir)).load();
    // The folder and paths are the journal's recordings folder's, whatever the entry says.
    const recordings = path.dirname(dir);
    expect(again.jobs).toEqual([{ ...job, sessionDir: path.join(recordings, 's1'), files: [{ ...job.files[0]!, path: path.join(recordings, 's1', job.files[0]!.name) }] }]);
    expect(again.unreadable).toEqual(['broken.json']);
    expect(fs.existsSync(path.join(dir, 'broken.json'))).toBe(true);
    j.remove(job.id);
    expect(j.read(job.id)).toBeUndefined();
  });

  it('lets one recorder work on a job at a time, and takes over a claim whose owner is gone', () => {
    const { j, dir } = journal();
    expect(j.claim(job.id)).toBe(true);
    expect(j.claim(job.id)).toBe(true);
    const lock = path.join(dir, `${job.id}.lock`);
    // Another recorder on this host, alive (this very pid stands in for it), claimed it a moment ago.
    fs.writeFileSync(lock, JSON.stringify({ owner: 'other', host: os.hostname(), pid: process.pid }));
    expect(j.claim(job.id)).toBe(false);
    j.release(job.id);
    expect(fs.existsSync(lock)).toBe(true);
    // Silent for too long: gone.
    expect(j.claim(job.id, Date.now() + CLAIM_STALE_MS + 1000)).toBe(true);
    // Same host, its process gone.
    fs.writeFileSync(lock, JSON.stringify({ owner: 'other', host: os.hostname(), pid: 2 ** 22 + 17 }));
    expect(j.claim(job.id)).toBe(true);
    j.release(job.id);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('trusts no path in an entry: the folder comes from the recordings folder and the sanitized session id, names must be plain', () => {
    const { j, dir } = journal();
    const recordings = path.dirname(dir);
    // Written by someone else sharing the folder: every path aimed at /etc.
    const tampered = {
      ...job,
      id: 'tampered',
      sessionId: '../../etc',
      sessionDir: '/etc',
      files: [
        { role: 'media', name: 'passwd', path: '/etc/passwd' },
        { role: 'hls', name: 'hls/index.m3u8', path: '/etc/shadow' },
        { role: 'tracks', name: 'tracks-2/ada-1.webm', path: '/etc/group' },
      ],
    };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'tampered.json'), JSON.stringify(tampered));
    for (const [name, entry] of Object.entries({
      dotdot: { ...job, id: 'dotdot', files: [{ role: 'media', name: '../../../etc/passwd', path: '/etc/passwd' }] },
      slash: { ...job, id: 'slash', files: [{ role: 'metadata', name: 'a/b.json', path: '/tmp/a/b.json' }] },
      hls: { ...job, id: 'hls', files: [{ role: 'hls-segment', name: 'hls/../../x.ts', path: '/x.ts' }] },
      tracks: { ...job, id: 'tracks', files: [{ role: 'tracks', name: 'tracks/../../x.webm', path: '/x.webm' }] },
      notATrack: { ...job, id: 'notATrack', files: [{ role: 'tracks', name: 'tracks/notes.txt', path: '/notes.txt' }] },
      misnamed: { ...job, id: '../../elsewhere' },
    })) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(entry));
    const loaded = j.load();
    expect(loaded.unreadable.sort()).toEqual(['dotdot.json', 'hls.json', 'misnamed.json', 'notATrack.json', 'slash.json', 'tracks.json']);
    expect(loaded.jobs).toHaveLength(1);
    const t = loaded.jobs[0]!;
    expect(t.sessionDir).toBe(path.join(recordings, '______etc'));
    expect(t.files.map((f) => f.path)).toEqual(['passwd', 'hls/index.m3u8', 'tracks-2/ada-1.webm'].map((n) => path.join(recordings, '______etc', n)));
    expect(j.read('tampered')?.files[0]?.path).toBe(path.join(recordings, '______etc', 'passwd'));
  });
});
