import { StreamLink } from '../../../../lib/output/rtmp/link';

describe('StreamLink', () => {
  const target = 'rtmp://h/live/****';
  const link = (retryTimeoutMs = 10000): StreamLink => new StreamLink({ retryTimeoutMs, retryWaitMs: 2000, target });

  it('is live once the ingest accepts the publish', () => {
    const l = link();
    expect(l.current.state).toBe('connecting');
    l.attemptStarted(0);
    l.published();
    expect(l.current).toEqual({ state: 'live', reconnects: 0 });
  });

  it.each([
    ['refused', 'STREAM_REFUSED', false, 'Check the RTMP URL and the stream key'],
    ['auth', 'STREAM_REFUSED', false, 'Check the username and password given with the stream'],
    ['untrusted', 'STREAM_UNTRUSTED', false, 'JIBRI_STREAMING_RTMPS_CA_FILE'],
    ['unreachable', 'STREAM_UNREACHABLE', true, 'reachable from this recorder'],
    ['not-rtmp', 'STREAM_UNREACHABLE', true, 'rtmps:// for TLS ingests'],
  ] as const)('a first attempt that fails as %s ends the link at once: %s, retryable %s', (kind, code, retryable, hint) => {
    const l = link();
    l.attemptStarted(0);
    const err = l.attemptFailed(kind, 'why', 300);
    expect(err?.code).toBe(code);
    expect(err?.retryable).toBe(retryable);
    expect(err?.hint).toContain(hint);
    expect(err?.message).toContain(target);
    expect(l.current.state).toBe('failed');
  });

  it('reconnects after a drop: the first attempt at once, then every 2 s, and counts the recovery', () => {
    const l = link();
    l.published();
    expect(l.dropped('the ingest closed the connection', 5000)).toBeUndefined();
    expect(l.current).toMatchObject({ state: 'reconnecting', downSince: 5000, reconnects: 0 });
    expect(l.nextAttemptAt()).toBeLessThanOrEqual(5000);
    l.attemptStarted(5000);
    expect(l.attemptFailed('unreachable', 'ECONNREFUSED', 5001)).toBeUndefined();
    expect(l.nextAttemptAt()).toBe(7000);
    l.attemptStarted(7000);
    // While reconnecting, even a refusal is retried: the ingest may be restarting.
    expect(l.attemptFailed('refused', 'closed during connect', 7002)).toBeUndefined();
    expect(l.tick(14000)).toBeUndefined();
    l.attemptStarted(14000);
    l.published();
    expect(l.current).toMatchObject({ state: 'live', reconnects: 1 });
    expect(l.nextAttemptAt()).toBeUndefined();
  });

  it('fails once the link has been down for longer than the retry time, saying the last reason', () => {
    const l = link(10000);
    l.published();
    l.dropped('the ingest closed the connection', 1000);
    l.attemptStarted(1000);
    expect(l.attemptFailed('unreachable', 'ECONNREFUSED', 1001)).toBeUndefined();
    expect(l.tick(11000)).toBeUndefined();
    const err = l.tick(11001);
    expect(err?.code).toBe('STREAM_LOST');
    expect(err?.message).toContain('within 10 s (ECONNREFUSED)');
    expect(l.current.state).toBe('failed');
    expect(l.tick(20000)).toBeUndefined();
  });

  it('with a retry time of 0, fails at the first drop (Jibri)', () => {
    const l = link(0);
    l.published();
    expect(l.dropped('gone', 1)?.code).toBe('STREAM_LOST');
  });
});
