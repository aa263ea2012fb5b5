/**
 * Pure: the states of one session and how events move it. The first error is kept and decides the final
 * outcome; a session that failed still goes through stopping and finalizing, because the file it made
 * is kept and finalized whatever the reason for the end. Terminal states absorb every later event.
 */
import type { RecorderError } from '../errors';

export type SessionStateName = 'starting' | 'recording' | 'stopping' | 'finalizing' | 'finished' | 'failed';

export interface SessionState {
  name: SessionStateName;
  error?: RecorderError;
}

export type SessionEvent =
  | { type: 'first-frame' }
  | { type: 'stop' }
  | { type: 'error'; error: RecorderError }
  | { type: 'capture-closed' }
  | { type: 'finalized' };

export const TERMINAL: ReadonlySet<SessionStateName> = new Set(['finished', 'failed']);

/** Returns the next state, or the same object when the event changes nothing. */
export function nextState(state: SessionState, event: SessionEvent): SessionState {
  if (TERMINAL.has(state.name)) return state;
  const keepError = state.error ? { error: state.error } : {};
  switch (event.type) {
    case 'first-frame':
      return state.name === 'starting' ? { name: 'recording', ...keepError } : state;
    case 'stop':
      return state.name === 'starting' || state.name === 'recording' ? { name: 'stopping', ...keepError } : state;
    case 'error':
      if (state.error) return state;
      if (state.name === 'starting' || state.name === 'recording') return { name: 'stopping', error: event.error };
      return { name: state.name, error: event.error };
    case 'capture-closed':
      return state.name === 'stopping' ? { name: 'finalizing', ...keepError } : state;
    case 'finalized':
      return state.name === 'finalizing' ? { name: state.error ? 'failed' : 'finished', ...keepError } : state;
  }
}
