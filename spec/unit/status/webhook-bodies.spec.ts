/** Jibri's session webhook bodies (pure). */
import { RecorderError } from '../../../lib/errors';
import type { SessionChange } from '../../../lib/recorder/recorder';
import { sessionWebhookBody } from '../../../lib/status/webhook-bodies';

describe('session webhook bodies', () => {
  const change = (name: string, previous: string, origin = { kind: 'http' as const }, error?: RecorderError): SessionChange =>
    ({ session: { sessionId: 's1', origin }, state: { name, ...(error ? { error } : {}) }, previous: { name: previous } }) as unknown as SessionChange;

  it('sends ON when recording starts and OFF when the file is closed, with Jackson-style nulls', () => {
    expect(sessionWebhookBody('j', change('recording', 'starting'))).toEqual({ jibriId: 'j', session: { sessionId: 's1', status: 'ON', sipAddress: null, failure: null, shouldRetry: null } });
    expect(sessionWebhookBody('j', change('finalizing', 'stopping'))?.session.status).toBe('OFF');
    expect(sessionWebhookBody('j', change('stopping', 'recording'))).toBeUndefined();
    expect(sessionWebhookBody('j', change('finished', 'finalizing'))).toBeUndefined();
  });

  it("carries the error as Jibri's failure, and should_retry", () => {
    const err = new RecorderError({ code: 'PAGE_LOAD_FAILED', message: 'The page did not load', retryable: true });
    expect(sessionWebhookBody('j', change('finalizing', 'stopping', { kind: 'http' }, err))?.session).toMatchObject({
      status: 'OFF', failure: { reason: 'ERROR', error: { scope: 'SESSION', detail: 'The page did not load' } }, shouldRetry: true,
    });
  });

  it('leaves XMPP sessions to Jicofo', () => {
    expect(sessionWebhookBody('j', change('recording', 'starting', { kind: 'xmpp', environment: 'x' } as never))).toBeUndefined();
  });
});
