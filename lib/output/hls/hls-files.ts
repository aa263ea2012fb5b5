/**
 * Pure: the names and the playlist of an HLS output. ffmpeg writes `index.m3u8` and its segments
 * `index0.ts`, `index1.ts`, ... into the output's folder; the HTTP API serves exactly those names, and
 * gives a viewer's playlist the viewer's token on each segment line, so players that cannot set a header
 * (Safari's own HLS, a `<video src>`) still fetch segments they are allowed to read.
 */

export const HLS_DIR = 'hls';
export const PLAYLIST = 'index.m3u8';
/** Target segment length; the encode puts a key frame this often so each segment starts with one. */
export const SEGMENT_SEC = 2;

const SEGMENT = /^index\d{1,9}\.ts$/;

/** Whether a requested name is one the output writes (nothing else in the folder is ever served). */
export function servedHlsFile(name: string): 'playlist' | 'segment' | undefined {
  if (name === PLAYLIST) return 'playlist';
  return SEGMENT.test(name) ? 'segment' : undefined;
}

/** The playlist with `?token=` added to every segment URI (lines that are not tags or comments). */
export function playlistWithToken(playlist: string, token: string): string {
  const q = `?token=${encodeURIComponent(token)}`;
  return playlist
    .split('\n')
    .map((line) => (line && !line.startsWith('#') && SEGMENT.test(line.trim()) ? `${line.trim()}${q}` : line))
    .join('\n');
}

/** The HLS muxer's options: segments of SEGMENT_SEC, every one kept (the full playlist stays with the recording). */
export function hlsMuxerOptions(): Record<string, string> {
  return {
    f: 'hls',
    hls_time: String(SEGMENT_SEC),
    // 0: the playlist lists every segment; `event` says segments are only ever appended, and ENDLIST
    // is written at the end, so the playlist left in the folder plays the whole session.
    hls_list_size: '0',
    hls_playlist_type: 'event',
    // A segment appears under its name only once complete, so the API never serves half a segment.
    hls_flags: 'independent_segments+temp_file',
  };
}
