/**
 * The PulseAudio server the recorders use, for real: a session's sink never becomes the server's default,
 * so a program that plays sound without naming a sink (a viewer's browser) is recorded by no session and
 * is not cut off when a session ends and its sink goes.
 */
import { spawnSync } from 'node:child_process';
import { createSink, ensurePulseAudio, NOWHERE_SINK } from '../../lib/pipeline/audio';

const defaultSink = (): string => spawnSync('pactl', ['get-default-sink'], { encoding: 'utf8' }).stdout.trim();

describe('the PulseAudio default sink', () => {
  it('is a sink nobody records, before, during and after a session', async () => {
    await ensurePulseAudio();
    // A server whose default is a device of someone else's (a desktop's) keeps it; the server the
    // recorders start, as the tests' is, has none of its own.
    if (!defaultSink().startsWith('jibri_ts_')) return;
    expect(defaultSink()).toBe(NOWHERE_SINK);
    const sink = await createSink();
    try {
      expect(defaultSink()).toBe(NOWHERE_SINK);
    } finally {
      await sink.close();
    }
    expect(defaultSink()).toBe(NOWHERE_SINK);
  });
});
