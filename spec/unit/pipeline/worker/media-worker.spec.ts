/**
 * The media worker's supervision, on a real forked worker (the built program): a worker over its memory
 * limit is killed and its session learns why; a worker asked to go goes without a failure; requests to a
 * dead worker fail at once.
 */
import { createLogger } from '../../../../lib/log';
import { MediaWorker } from '../../../../lib/pipeline/worker/media-worker';
import type { RecorderError } from '../../../../lib/errors';

const log = createLogger('error', { silent: true });

describe('a session\'s media worker', () => {
  it('is killed beyond its memory limit, and says so', async () => {
    // Any Node process is over 1 MB: the first reading of its memory ends it.
    const worker = new MediaWorker({ log, logLevel: 'error', memoryLimitMb: 1, ffmpegBinary: 'ffmpeg' });
    const error = await new Promise<RecorderError>((resolve) => worker.once('failure', resolve));
    expect(error.code).toBe('MEDIA_WORKER_FAILED');
    expect(error.message).toMatch(/went over its memory limit of 1 MB \(\d+ MB\)/);
    expect(worker.alive).toBe(false);
    await expect(worker.openFanOut({ retryTimeoutSec: 1 }, log)).rejects.toMatchObject({ code: 'MEDIA_WORKER_FAILED' });
    const encoder = worker.startEncoder({ spec: { global: [], inputs: [], output: { options: [], target: '/dev/null' } }, ffmpegBinary: 'ffmpeg' });
    await expect(encoder.ended).resolves.toMatchObject({ ok: false, error: { code: 'MEDIA_WORKER_FAILED' } });
    await worker.close();
  });

  it('goes when asked, without a failure', async () => {
    const worker = new MediaWorker({ log, logLevel: 'error', memoryLimitMb: 512, ffmpegBinary: 'ffmpeg' });
    const failures: RecorderError[] = [];
    worker.on('failure', (e) => failures.push(e));
    // It answers: a fan-out opens in it and gives the encoder's channel.
    const fanOut = await worker.openFanOut({ retryTimeoutSec: 1 }, log);
    expect(fanOut.encoderTarget).toMatch(/^unix:.*encoder\.sock$/);
    await fanOut.finish();
    await worker.close();
    expect(worker.alive).toBe(false);
    expect(failures).toEqual([]);
  });
});
