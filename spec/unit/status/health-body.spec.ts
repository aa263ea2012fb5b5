import { healthBody, publicDetails } from '../../../lib/status/health-body';
import { registerSecret } from '../../../lib/redact';
import type { StatusSnapshot } from '../../../lib/recorder/snapshot';

describe('health for callers without the token', () => {
  const snapshot = {
    busyStatus: 'BUSY',
    healthStatus: 'UNHEALTHY',
    details: {
      ffmpeg: { healthStatus: 'HEALTHY', detail: '/usr/bin/ffmpeg' },
      recordings: { healthStatus: 'UNHEALTHY', detail: 'Only 3 MB free in /config/recordings: free space or point JIBRI_RECORDING_DIR at a larger volume' },
      capacity: { healthStatus: 'HEALTHY', detail: 'not accepting: no free slot', slotsTotal: 1, cpuHeadroom: 0.4 },
      'session:s1': { healthStatus: 'HEALTHY', detail: 'recording', meetingUrl: 'https://meet.example.com/secret-room', mediaFile: '/config/recordings/s1/secret-room.mp4' },
      lastSession: { healthStatus: 'HEALTHY', detail: 'failed: ffmpeg quit', meetingUrl: 'https://meet.example.com/other-room' },
      recentSessions: { healthStatus: 'HEALTHY', detail: 's0 failed (MEDIA_WORKER_FAILED: ...)', sessions: [{ meetingUrl: 'https://meet.example.com/third-room' }] },
    },
  } as unknown as StatusSnapshot;

  it('shows busy, the statuses, the checks\' names and the hints of failing ones; no sessions', () => {
    expect(healthBody(snapshot, 'public')).toEqual({
      busy: true,
      status: {
        busyStatus: 'BUSY',
        health: {
          healthStatus: 'UNHEALTHY',
          details: {
            ffmpeg: { healthStatus: 'HEALTHY' },
            recordings: { healthStatus: 'UNHEALTHY', detail: expect.stringContaining('free space') },
            capacity: { healthStatus: 'HEALTHY' },
          },
        },
      },
    });
    expect(JSON.stringify(publicDetails(snapshot.details))).not.toMatch(/room|mp4|s0|WORKER/);
  });

  it('shows everything to token holders, redacted', () => {
    registerSecret('secret-room');
    const full = JSON.stringify(healthBody(snapshot, 'full'));
    expect(full).toContain('other-room');
    expect(full).not.toContain('secret-room');
  });
});
