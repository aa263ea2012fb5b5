/** The recordings pages' words. */
import { lengthText, meetingName, recordingJson, sizeText } from '../../../lib/recording-view';
import { keptFor, recordingsPart } from '../../../lib/dashboard/recording-pages';
import { deliveryPage } from '../../../lib/dashboard/delivery-pages';
import { shownDelivery } from '../../../lib/delivery-config';

describe('words on the pages', () => {
  it('lengths, sizes, meetings, retention', () => {
    expect([lengthText(12.4), lengthText(184), lengthText(3725), lengthText(undefined)]).toEqual(['12 s', '3 min 04 s', '1 h 02 min', '—']);
    expect([sizeText(2048), sizeText(1.5 * 1024 ** 2), sizeText(2.25 * 1024 ** 3)]).toEqual(['2 KB', '1.5 MB', '2.3 GB']);
    expect(meetingName('https://meet.example.com/Team%20Weekly')).toBe('Team Weekly');
    expect([keptFor(604800), keptFor(3600), keptFor(90)]).toEqual(['7 days', '1 hour', '90 seconds']);
  });

  it('escapes what a recorder reported, and offers download and delete only once delivered', () => {
    const base = { id: 'r1', accountId: 'a', deploymentId: 'd', recorderId: 'x', jobId: 'j', domain: 'meet.example.com', sessionId: 's', meetingUrl: 'https://meet.example.com/<script>', startedAt: '2026-01-01T10:00:00.000Z', target: 'bucket' as const, files: [], announced: false, createdAt: '', updatedAt: '' };
    const page = recordingsPart('tok', [{ ...base, state: 'failed', reason: '<img src=x onerror=alert(1)>' }, { ...base, id: 'r2', state: 'delivered', bucket: 'rec', endpoint: 'https://s3.example.com', mediaKey: 'k' }], Date.now()).value;
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page.match(/recordings\/r1\//g)).toBeNull();
    expect(page).toContain('/dashboard/recordings/r2/download');
    expect(page).toContain('/dashboard/recordings/r2/delete');
    expect(page).toContain('bucket rec at s3.example.com');
    const json = recordingJson({ ...base, id: 'r2', state: 'delivered', bucket: 'rec', mediaKey: 'k', durationSec: 3 }, Date.now());
    expect(json).toMatchObject({ recording_id: 'r2', state: 'delivered', duration_sec: 3, delivered_to: { type: 'bucket', bucket: 'rec', key: 'k' } });
  });

  it('the delivery form never shows the secret', () => {
    const page = deliveryPage('tok', 'meet.example.com', { shown: { ...shownDelivery(undefined), s3_bucket: 'rec', s3_secret_stored: true }, configured: true, keptFor: '7 days' }).value;
    expect(page).toContain('A secret is stored: leave empty to keep it.');
    expect(page).toMatch(/name="s3_secret_access_key" type="password" value=""/);
  });
});
