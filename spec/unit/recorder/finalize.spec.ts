/** The finalize script's command: as it is when executable, else through sh. */
import { finalizeCommand } from '../../../lib/recorder/finalize';

describe('the finalize script', () => {
  it('runs as it is when executable, else through sh (a read-only /config cannot be chmod-ed)', () => {
    expect(finalizeCommand('/config/finalize.sh', '/storage/recordings/s1', () => true)).toEqual({ command: '/config/finalize.sh', args: ['/storage/recordings/s1'] });
    expect(finalizeCommand('/config/finalize.sh', '/storage/recordings/s1', () => false)).toEqual({ command: '/bin/sh', args: ['/config/finalize.sh', '/storage/recordings/s1'] });
  });
});
