/**
 * The tracks kind: each visible remote participant's sound on its own, recorded from the meeting page
 * (lib/meeting/audio-tap.ts) into `tracks/` of the session's folder, placed on the mix's timeline, and
 * delivered with the recording it belongs to. It takes nothing of the encode, so it goes beside an
 * output that records the mix.
 */
import * as path from 'node:path';
import { HlsOutput } from '../hls/hls-output';
import { PLAYLIST } from '../hls/hls-files';
import type { OutputKindSpec } from '../kind';
import { isTracksPath } from './track-names';
import { tracksOfRecording } from './tracks-files';
import { TracksOutput } from './tracks-output';

/** Each remote participant's sound on its own, beside the mixed recording (tracks/ of the session folder). */
export interface TracksOutputRequest {
  kind: 'tracks';
}

export const tracksKind: OutputKindSpec<TracksOutputRequest> = {
  kind: 'tracks',
  fields: [],
  parse: () => ({ kind: 'tracks' }),
  everySession: { kind: 'tracks' },
  onePerSession: true,
  live: false,
  fromPage: true,
  create: (_r, id, session) => new TracksOutput(id, session.dir, session.plan.config.ffmpegPath),
  complete({ outputs }) {
    // The tracks are measured against the session's own mix (its file or a stream's local copy, else its
    // HLS playlist), and their manifest names the file they belong with (the delivery finds them by it).
    const file = outputs.find((o) => o.mediaFile)?.mediaFile;
    const hls = outputs.find((o): o is HlsOutput => o instanceof HlsOutput);
    const mix = file ? { name: path.basename(file), path: file } : hls?.served ? { path: path.join(hls.served.dir, PLAYLIST) } : undefined;
    for (const o of outputs) if (o instanceof TracksOutput) o.mix = mix;
    return [];
  },
  delivery: {
    // Each participant's files, speakers.vtt, tracks.mka, their manifest last (its presence says the rest is there).
    files: (sessionDir, mediaName) => tracksOfRecording(sessionDir, mediaName).map((t) => ({ role: 'tracks', ...t })),
    owns: isTracksPath,
    partRoles: [],
  },
};
