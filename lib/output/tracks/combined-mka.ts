/**
 * The tracks in one file for tools that want one: `tracks.mka`, one Opus stream per participant (their
 * recordings copied as they are, never encoded again), each placed on the mix's timeline by its offset, so
 * the Matroska file's zero is the mix's zero. A participant who joined more than once has their recordings
 * one after the other in their stream, each at its own place (ffmpeg's concat list, with each piece's
 * length set to the gap up to the next one). Each file's packet times already say where its sound is
 * (align-tracks.ts), so the stream follows the mix everywhere. The argument building is pure;
 * `buildCombined` runs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runToEnd } from '../../proc/runner';

export interface CombinedStream {
  participant: string;
  name: string;
  /** The participant's track files (names in the tracks folder) with their offsets on the mix (s), in order. */
  pieces: Array<{ file: string; offsetSec: number }>;
}

/** Pure: the concat list of a participant with several pieces: each piece lasts until the next one starts. */
export function concatList(pieces: CombinedStream['pieces']): string {
  const lines = ['ffconcat version 1.0'];
  pieces.forEach((p, i) => {
    // The concat format's quoting: a quote inside is closed, escaped and reopened.
    lines.push(`file '${p.file.replace(/'/g, "'\\''")}'`);
    const next = pieces[i + 1];
    if (next) {
      const gap = Math.max(0.001, next.offsetSec - p.offsetSec).toFixed(3);
      lines.push(`duration ${gap}`, `outpoint ${gap}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

/** A name as a stream title: printable, bounded. */
function title(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are dropped
  return name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200);
}

/**
 * Pure: ffmpeg's arguments. `listFor(i)` names the concat list of stream i (used when it has several
 * pieces); inputs are read from the tracks folder (the working directory).
 */
export function combinedArgv(streams: readonly CombinedStream[], out: string, listFor: (i: number) => string): string[] {
  const inputs = streams.flatMap((s, i) => {
    const first = s.pieces[0]!;
    const offset = ['-itsoffset', Math.max(0, first.offsetSec).toFixed(3)];
    return s.pieces.length > 1 ? [...offset, '-f', 'concat', '-safe', '0', '-i', listFor(i)] : [...offset, '-i', first.file];
  });
  const maps = streams.flatMap((_, i) => ['-map', `${i}:a:0`]);
  const tags = streams.flatMap((s, i) => [`-metadata:s:a:${i}`, `title=${title(s.name || s.participant)}`, `-metadata:s:a:${i}`, `participant=${s.participant}`]);
  return ['-v', 'error', '-nostdin', '-y', ...inputs, ...maps, '-c', 'copy', ...tags, '-f', 'matroska', out];
}

/** Builds `name` in `dir`; true when it is there. ffmpeg's last words when it is not. */
export async function buildCombined(ffmpegBinary: string, dir: string, name: string, streams: readonly CombinedStream[]): Promise<true | string> {
  if (streams.length === 0) return 'no participant was recorded';
  const lists: string[] = [];
  const tmp = path.join(dir, `.${name}.tmp`);
  try {
    const listFor = (i: number): string => {
      const list = path.join(dir, `.concat-${i}.txt`);
      return list;
    };
    streams.forEach((s, i) => {
      if (s.pieces.length < 2) return;
      fs.writeFileSync(listFor(i), concatList(s.pieces));
      lists.push(listFor(i));
    });
    const argv = combinedArgv(
      streams.map((s) => ({ ...s, pieces: s.pieces.map((p) => ({ ...p, file: path.join(dir, p.file) })) })),
      tmp,
      listFor,
    );
    const r = await runToEnd(ffmpegBinary, argv, { timeoutMs: 30 * 60 * 1000 });
    if (r.code !== 0 || !fs.existsSync(tmp)) return (r.stderr || r.error?.message || `ffmpeg ended with ${r.code}`).trim().split('\n').slice(-1)[0] ?? '';
    fs.renameSync(tmp, path.join(dir, name));
    return true;
  } finally {
    for (const l of lists) fs.rmSync(l, { force: true });
    fs.rmSync(tmp, { force: true });
  }
}
