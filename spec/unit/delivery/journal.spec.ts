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
    expect(again.jobs).toEqual([job]);
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
});
