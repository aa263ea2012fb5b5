/**
 * What the tracks output costs (`BENCH_MEETING_PARTS=tracks`, part of the meeting bench): the same
 * meeting (BENCH_MEETING_VERSUS, 4 participants at 720p by default, each a video with its sound) recorded
 * with a file alone and with a file and a tracks output, alternated round by round in the same run (each
 * side first in every other round), tree cores of each while recording, medians. The page then records
 * each participant's sound with its own MediaRecorder and hands it to the service; the difference is what
 * that costs. Target: at most 0.05 cores.
 */
import type { ClipCodec } from '../testkit/jitsi-standin/media';
import { startStandIn, type StandIn } from '../testkit/jitsi-standin/server';
import type { PartCores } from './proc-parts';
import { median } from './proc-stats';

/** The extra cores the issue allows a tracks output in a four-participant meeting. */
export const TRACKS_TARGET_CORES = 0.05;

export interface TracksCost {
  tiles: number;
  height: number;
  rounds: number;
  without: PartCores[];
  with: PartCores[];
  /** Medians of each; `extra` and its parts are the median of each round's difference. */
  median: { without: number; with: number; extra: number; extraChromium: number; extraService: number };
}

type Record1 = (standIn: StandIn, o: { tiles: number; height: number; sessions: number; seconds: number; codecs: ClipCodec[]; settings?: { name: string; env?: Record<string, string> } }) => Promise<{ cores: PartCores }>;

export async function benchTracksCost(record: Record1, o: { tiles: number; height: number; seconds: number; rounds: number; codecs: ClipCodec[] }): Promise<TracksCost> {
  const runs = { without: [] as PartCores[], with: [] as PartCores[] };
  // Both sides of a round have each participant's remote track, as in Jitsi Meet: only recording them differs.
  const standIn = await startStandIn({ defaults: { remoteTracksUpFront: true } });
  try {
    await rounds(standIn, record, o, runs);
  } finally {
    await standIn.close();
  }
  const m = (xs: PartCores[], k: keyof PartCores): number => median(xs.map((x) => x[k]));
  // Each round's difference: the two sessions of a round ran side by side in time, under the same background.
  const extra = (k: keyof PartCores): number => median(runs.with.map((w, i) => w[k] - runs.without[i]![k]));
  return {
    tiles: o.tiles,
    height: o.height,
    rounds: o.rounds,
    ...runs,
    median: {
      without: m(runs.without, 'total'),
      with: m(runs.with, 'total'),
      extra: extra('total'),
      extraChromium: extra('chromium'),
      extraService: extra('service'),
    },
  };
}

async function rounds(standIn: StandIn, record: Record1, o: { tiles: number; height: number; seconds: number; rounds: number; codecs: ClipCodec[] }, runs: { without: PartCores[]; with: PartCores[] }): Promise<void> {
  // Every session of the service gets the tracks output through the operator's setting: the request stays the same.
  const sides = [['without', {}], ['with', { JIBRI_EXTRA_OUTPUTS: 'tracks' }]] as const;
  for (let round = 0; round < o.rounds; round++) {
    // Each side goes first in every other round, so what the second recording of a round meets is no side's alone.
    for (const [name, env] of round % 2 === 0 ? sides : [...sides].reverse()) {
      process.stderr.write(`  round ${round + 1}/${o.rounds}: a file ${name === 'with' ? 'and tracks' : 'alone'}, ${o.seconds} s...\n`);
      runs[name].push((await record(standIn, { tiles: o.tiles, height: o.height, sessions: 1, seconds: o.seconds, codecs: o.codecs, settings: { name, env } })).cores);
    }
  }
}

export function describeTracksCost(t: TracksCost): string[] {
  const f = (n: number): string => n.toFixed(3);
  const m = t.median;
  return [
    `tracks output: ${t.tiles} participants at ${t.height}p30, medians of ${t.rounds} alternating rounds (tree cores)`,
    `  a file alone ${f(m.without)}   a file and tracks ${f(m.with)}   rounds: ${t.without.map((c) => f(c.total)).join(' ')} | ${t.with.map((c) => f(c.total)).join(' ')}`,
    `  the tracks cost ${f(m.extra)} cores (Chromium ${f(m.extraChromium)}, the service ${f(m.extraService)})   target <= ${TRACKS_TARGET_CORES}   ${m.extra <= TRACKS_TARGET_CORES ? 'PASS' : 'MISS'}`,
  ];
}
