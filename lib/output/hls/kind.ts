/**
 * The HLS kind: segments and a playlist in `hls/` of the session's folder, served while live to the API
 * token or the session's viewer token (with the bundled player page), delivered with the recording.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeliveredFile, OutputKindSpec } from '../kind';
import { HLS_DIR, PLAYLIST, playlistWithToken, servedHlsFile } from './hls-files';
import { HlsOutput } from './hls-output';
import { hlsScriptPath, VIEWER_CSP, viewerPage, viewerScript } from './viewer-page';

/** HLS segments and a playlist in the session's folder, served by the service while live. */
export interface HlsOutputRequest {
  kind: 'hls';
}

/**
 * The session's HLS files to deliver with its recording, named by their path in the session folder
 * (`hls/index.m3u8`, `hls/index0.ts`, ...) so the playlist's relative links hold in the bucket: segments
 * first, the playlist last. Only the names the output writes; a segment still being written is none of them.
 */
export function hlsDeliveredFiles(sessionDir: string, names: readonly string[]): DeliveredFile[] {
  return names
    .map((name) => ({ name, what: servedHlsFile(name) }))
    .filter((n): n is { name: string; what: 'playlist' | 'segment' } => n.what !== undefined)
    .sort((a, b) => (a.what === b.what ? a.name.localeCompare(b.name, 'en', { numeric: true }) : a.what === 'segment' ? -1 : 1))
    .map(({ name, what }) => ({ role: what === 'playlist' ? 'hls' : 'hls-segment', name: `${HLS_DIR}/${name}`, path: path.join(sessionDir, HLS_DIR, name) }));
}

export const hlsKind: OutputKindSpec<HlsOutputRequest> = {
  kind: 'hls',
  fields: [],
  parse: () => ({ kind: 'hls' }),
  everySession: { kind: 'hls' },
  onePerSession: true,
  live: false,
  recordsMix: true,
  create: (_r, id, session) => new HlsOutput(id, session.dir),
  delivery: {
    files(sessionDir) {
      const dir = path.join(sessionDir, HLS_DIR);
      return fs.existsSync(dir) ? hlsDeliveredFiles(sessionDir, fs.readdirSync(dir)) : [];
    },
    owns: (name) => name.startsWith(`${HLS_DIR}/`) && servedHlsFile(name.slice(HLS_DIR.length + 1)) !== undefined,
    partRoles: ['hls-segment'],
  },
  served: {
    viewer: {
      path: HLS_DIR,
      playlist: PLAYLIST,
      page: viewerPage,
      csp: VIEWER_CSP,
      assets: [
        { name: 'hls.min.js', type: 'application/javascript', body: () => ({ file: hlsScriptPath() }) },
        { name: 'viewer.js', type: 'application/javascript', body: () => ({ text: viewerScript() }) },
      ],
    },
    routes: [
      {
        path: `${HLS_DIR}/:file`,
        async answer(output, params, viewerToken) {
          const what = servedHlsFile(params.file ?? '');
          if (!what || !output.served) return { missing: 'No such HLS file' };
          const file = path.join(output.served.dir, params.file!);
          if (what === 'segment') return { file, type: 'video/mp2t', cache: 'private, max-age=3600' };
          let text: string;
          try {
            text = await fs.promises.readFile(file, 'utf8');
          } catch {
            return { missing: 'The playlist is not written yet: the first segment takes a few seconds', retryable: true };
          }
          // A viewer that came with ?token= gets it on each segment too (Safari's HLS cannot set headers).
          return { text: viewerToken ? playlistWithToken(text, viewerToken) : text, type: 'application/vnd.apple.mpegurl', cache: 'no-cache' };
        },
      },
    ],
  },
};
