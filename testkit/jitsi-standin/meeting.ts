/**
 * A stand-in meeting of N participants with video, as the tests and the bench set it up: the tile grid
 * Jitsi Meet's tile view draws (the same arithmetic as page.ts), and for each participant the clip of
 * the simulcast layer Jitsi's receiver would ask for at that tile size.
 */
import { clipName, ensureClips, layerFor, type ClipCodec, type ClipSpec } from './media';
import type { StandInParticipant } from './server';

/** Gap between tiles and around the grid, in CSS pixels (page.ts TILE_GAP). */
const TILE_GAP = 8;

export interface TileGrid {
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

/** Pure: the tile view's grid for n tiles on a w x h window: ceil(sqrt(n)) columns (at most 5), 16:9 tiles. */
export function tileGrid(n: number, w: number, h: number): TileGrid {
  const columns = Math.min(5, Math.ceil(Math.sqrt(n)));
  const rows = Math.ceil(n / columns);
  const tileWidth = Math.min((w - TILE_GAP) / columns - TILE_GAP, (((h - TILE_GAP) / rows - TILE_GAP) * 16) / 9);
  return { columns, rows, tileWidth, tileHeight: (tileWidth * 9) / 16 };
}

/** The clips of a meeting of n participants recorded at w x h; `codecs` are taken in turn per participant. */
export function meetingClips(n: number, w: number, h: number, codecs: ClipCodec[] = ['vp8']): ClipSpec[] {
  const height = layerFor(tileGrid(n, w, h).tileHeight);
  return Array.from({ length: n }, (_, index) => ({ index, codec: codecs[index % codecs.length]!, height }));
}

const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen', 'Ken Thompson', 'Radia Perlman'];

/** The participants of that meeting, each with its clip; makes the clips that are missing first. */
export async function meetingParticipants(n: number, w: number, h: number, codecs: ClipCodec[] = ['vp8']): Promise<StandInParticipant[]> {
  const clips = meetingClips(n, w, h, codecs);
  await ensureClips(clips);
  return clips.map((c) => ({
    id: `p${c.index}`,
    name: NAMES[c.index % NAMES.length]!,
    identity: { user: { id: `u-p${c.index}`, name: NAMES[c.index % NAMES.length]! } },
    video: clipName(c),
  }));
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pure: where page.ts puts each of n tiles on a w x h window (centred grid, last row centred). */
export function tileRects(n: number, w: number, h: number): Rect[] {
  const g = tileGrid(n, w, h);
  const left0 = (w - g.columns * (g.tileWidth + TILE_GAP) + TILE_GAP) / 2;
  const top0 = (h - g.rows * (g.tileHeight + TILE_GAP) + TILE_GAP) / 2;
  return Array.from({ length: n }, (_, i) => {
    const r = Math.floor(i / g.columns);
    const c = i % g.columns;
    const inRow = r === g.rows - 1 ? n - r * g.columns : g.columns;
    const shift = ((g.columns - inRow) * (g.tileWidth + TILE_GAP)) / 2;
    return { x: Math.round(left0 + shift + c * (g.tileWidth + TILE_GAP)), y: Math.round(top0 + r * (g.tileHeight + TILE_GAP)), width: Math.round(g.tileWidth), height: Math.round(g.tileHeight) };
  });
}
