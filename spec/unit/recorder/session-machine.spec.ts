import { RecorderError } from '../../../lib/errors';
import { nextState, type SessionEvent, type SessionState } from '../../../lib/recorder/session-machine';

const err = (code: 'ENCODER_EXITED' | 'DISK_FULL' = 'ENCODER_EXITED'): RecorderError => new RecorderError({ code, message: code });
const run = (events: SessionEvent[], from: SessionState = { name: 'starting' }): SessionState => events.reduce(nextState, from);

describe('session state machine', () => {
  it('walks the happy path', () => {
    expect(run([{ type: 'first-frame' }]).name).toBe('recording');
    expect(run([{ type: 'first-frame' }, { type: 'stop' }]).name).toBe('stopping');
    expect(run([{ type: 'first-frame' }, { type: 'stop' }, { type: 'capture-closed' }]).name).toBe('finalizing');
    expect(run([{ type: 'first-frame' }, { type: 'stop' }, { type: 'capture-closed' }, { type: 'finalized' }]).name).toBe('finished');
  });
  it('a stop while starting goes straight to stopping', () => {
    expect(run([{ type: 'stop' }]).name).toBe('stopping');
  });
  it('an error still passes through stopping and finalizing, keeps the first error, and ends failed', () => {
    const first = err('DISK_FULL');
    const s = run([{ type: 'first-frame' }, { type: 'error', error: first }, { type: 'error', error: err() }, { type: 'capture-closed' }, { type: 'finalized' }]);
    expect(s.name).toBe('failed');
    expect(s.error).toBe(first);
  });
  it('an error during finalizing makes the end a failure', () => {
    expect(run([{ type: 'stop' }, { type: 'capture-closed' }, { type: 'error', error: err() }, { type: 'finalized' }]).name).toBe('failed');
  });
  it('terminal states absorb everything; out-of-order events change nothing', () => {
    const done = run([{ type: 'stop' }, { type: 'capture-closed' }, { type: 'finalized' }]);
    for (const e of [{ type: 'first-frame' }, { type: 'stop' }, { type: 'error', error: err() }, { type: 'capture-closed' }, { type: 'finalized' }] as SessionEvent[]) {
      expect(nextState(done, e)).toBe(done);
    }
    const recording: SessionState = { name: 'recording' };
    expect(nextState(recording, { type: 'first-frame' })).toBe(recording);
    expect(nextState(recording, { type: 'finalized' })).toBe(recording);
  });
});
