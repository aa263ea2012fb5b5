/** The file kind: the session's recording, Jibri's `file` mode; one per session (Jibri's layout has one media file). */
import type { OutputKindSpec } from '../kind';
import { audioOnlyFile, FileOutput } from './file-output';

/** A recording to a file in the session's folder (Jibri's layout). */
export interface FileOutputRequest {
  kind: 'file';
  /** The meeting's sound alone, AAC in an `.m4a`: no picture is captured or encoded. */
  audioOnly?: boolean;
}

export const fileKind: OutputKindSpec<FileOutputRequest> = {
  kind: 'file',
  fields: ['audioOnly'],
  parse(entry, field, errors) {
    if (entry.audioOnly !== undefined && typeof entry.audioOnly !== 'boolean') {
      errors.push({ field: `${field}.audioOnly`, message: 'must be true or false' });
      return undefined;
    }
    return entry.audioOnly ? { kind: 'file', audioOnly: true } : { kind: 'file' };
  },
  // The recording: a stream session then also records, and goes on if its streams fail.
  everySession: { kind: 'file' },
  onePerSession: true,
  live: false,
  recordsMix: true,
  soundOnly: (r) => r.audioOnly === true,
  jibri: {
    mode: 'file',
    httpFields: [],
    fromHttp: () => ({ kind: 'file' }),
    fromIq: (iq) => ({ ok: true, request: iq.audioOnly ? { kind: 'file', audioOnly: true } : { kind: 'file' } }),
  },
  create: (r, id, session) => (r.audioOnly ? new FileOutput(id, audioOnlyFile(session.plan.mediaFile), 'audio recording', true) : new FileOutput(id, session.plan.mediaFile)),
};
