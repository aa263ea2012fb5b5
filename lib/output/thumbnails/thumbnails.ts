/**
 * Pure: the thumbnails' own encode and their names. A picture every N seconds, scaled down and written
 * as a JPEG, is a few milliseconds of work per picture, so it is not taken from the shared H.264 encode
 * (which would have to be decoded again) but from the screen, by an ffmpeg of its own
 * (encoder/ffmpeg-args.ts, ownEncodeSpec): `fps=1/N` drops every other grab before anything is scaled.
 */

export const THUMBNAILS_DIR = 'thumbnails';
/** Thumbnails are this wide (the height follows the picture's shape). */
export const THUMBNAIL_WIDTH = 640;
export const MIN_INTERVAL_SEC = 1;
export const MAX_INTERVAL_SEC = 3600;

const NAME = /^thumb-(\d{6,})\.jpg$/;

/** The filter and codec options of the branch: one scaled JPEG every `intervalSec` seconds. */
export function thumbnailEncode(intervalSec: number): { filter: string; codec: string[] } {
  // 4:2:0, as every viewer takes it (the capture would make 4:4:4 JPEGs).
  return { filter: `fps=1/${intervalSec},scale=${THUMBNAIL_WIDTH}:-2`, codec: ['-an', '-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-q:v', '5', '-fps_mode', 'passthrough'] };
}

/** image2's pattern: thumb-000001.jpg, thumb-000002.jpg, ... in capture order. */
export const THUMBNAIL_PATTERN = 'thumb-%06d.jpg';

/** The newest thumbnail among a folder's names, if any (names sort by their number). */
export function latestThumbnail(names: readonly string[]): string | undefined {
  let best: { name: string; n: number } | undefined;
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    if (!best || n > best.n) best = { name, n };
  }
  return best?.name;
}

/** Why an interval cannot be used, or undefined. */
export function intervalProblem(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) return 'must be a whole number of seconds';
  if (v < MIN_INTERVAL_SEC || v > MAX_INTERVAL_SEC) return `must be between ${MIN_INTERVAL_SEC} and ${MAX_INTERVAL_SEC} seconds`;
  return undefined;
}
