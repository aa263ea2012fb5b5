import { LIVE_AFTER_MS, StreamLinkMonitor, parseStreamLine } from '../../lib/output/stream-link';

describe('parseStreamLine', () => {
  it('reads the fifo muxer lines and drops the URL', () => {
    expect(parseStreamLine('[fifo @ 0x55] Error opening rtmp://h/live/KEY: Connection refused')).toEqual({ kind: 'open-failed', reason: 'Connection refused' });
    expect(parseStreamLine('[fifo @ 0x55] Error opening rtmp://h:1935/live/KEY: Input/output error')).toEqual({ kind: 'open-failed', reason: 'Input/output error' });
    expect(parseStreamLine('[fifo @ 0x55] Recovery attempt #3')).toEqual({ kind: 'retrying', attempt: 3 });
    expect(parseStreamLine('[fifo @ 0x55] Recovery failed: Connection refused')).toEqual({ kind: 'retry-failed', reason: 'Connection refused' });
    expect(parseStreamLine('[fifo @ 0x55] Recovery successful')).toEqual({ kind: 'recovered' });
    expect(parseStreamLine('[fifo @ 0x55] FIFO queue full')).toEqual({ kind: 'queue-full' });
    expect(parseStreamLine('[flv @ 0x55] Failed to update header with correct filesize.')).toBeUndefined();
    expect(parseStreamLine('frame=  10 fps=30')).toBeUndefined();
  });
});

describe('StreamLinkMonitor', () => {
  const target = 'rtmp://h/live/****';
  it('a refusing ingest ends the start at once; an I/O error is a bad URL (no retry)', () => {
    const m = new StreamLinkMonitor({ retryTimeoutMs: 60000, target }, 0);
    const err = m.observe({ kind: 'open-failed', reason: 'Input/output error' }, 500);
    expect(err?.code).toBe('STREAM_REFUSED');
    expect(err?.retryable).toBe(false);
    expect(m.current.state).toBe('failed');
    const m2 = new StreamLinkMonitor({ retryTimeoutMs: 60000, target }, 0);
    const err2 = m2.observe({ kind: 'open-failed', reason: 'Connection refused' }, 500);
    expect(err2?.code).toBe('STREAM_UNREACHABLE');
    expect(err2?.retryable).toBe(true);
    expect(err2?.message).toContain(target);
  });

  it('an ingest that accepts but never takes the stream fails while connecting', () => {
    const m = new StreamLinkMonitor({ retryTimeoutMs: 60000, target }, 0);
    expect(m.observe({ kind: 'queue-full' }, 2000)?.code).toBe('STREAM_UNREACHABLE');
  });

  it('becomes live, survives a drop that recovers within the retry time, and counts it', () => {
    const m = new StreamLinkMonitor({ retryTimeoutMs: 10000, target }, 0);
    expect(m.tick(LIVE_AFTER_MS)).toBeUndefined();
    expect(m.current.state).toBe('live');
    expect(m.observe({ kind: 'retrying', attempt: 1 }, 5000)).toBeUndefined();
    expect(m.current.state).toBe('reconnecting');
    expect(m.observe({ kind: 'retry-failed', reason: 'Connection refused' }, 7000)).toBeUndefined();
    expect(m.observe({ kind: 'open-failed', reason: 'Connection refused' }, 9000)).toBeUndefined();
    expect(m.tick(15000)).toBeUndefined();
    expect(m.observe({ kind: 'recovered' }, 15000)).toBeUndefined();
    expect(m.current).toMatchObject({ state: 'live', reconnects: 1 });
  });

  it('fails once the link has been down for longer than the retry time', () => {
    const m = new StreamLinkMonitor({ retryTimeoutMs: 10000, target }, 0);
    m.tick(4000);
    m.observe({ kind: 'retrying', attempt: 1 }, 5000);
    expect(m.tick(15000)).toBeUndefined();
    const err = m.tick(15001);
    expect(err?.code).toBe('STREAM_LOST');
    expect(err?.message).toContain('10 s');
    expect(m.tick(20000)).toBeUndefined();
  });

  it('with no retry time, the first drop fails (Jibri)', () => {
    const m = new StreamLinkMonitor({ retryTimeoutMs: 0, target }, 0);
    m.tick(4000);
    expect(m.observe({ kind: 'retrying', attempt: 1 }, 5000)?.code).toBe('STREAM_LOST');
  });
});
