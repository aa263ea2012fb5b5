/**
 * The stand-in meeting's participants' media: one short clip per participant, codec and height, made
 * with ffmpeg the first time it is asked for and kept in a cache outside the tree (JIBRI_TS_MEDIA_CACHE,
 * else ~/.cache/jibri-ts/standin-media), so the tests and the bench pay for it once per machine.
 *
 * Each clip looks like a camera picture rather than a test card: a slowly moving colour background, a
 * "head" that sways, and grain that changes every frame (a camera's noise is what keeps a real encoder
 * and decoder busy), at the bitrate Jitsi's simulcast layer of that height gets (360p: 700 kbps, 720p:
 * 2.5 Mbps). Its sound is a tone of its own pitch that swells and fades like speech, so each participant's
 * sound is told apart in a mix. VP8 comes in WebM with Opus (Jitsi's default codec), H.264 in MP4 with AAC
 * (constrained baseline, as WebRTC sends it).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type ClipCodec = 'vp8' | 'h264';
export type ClipHeight = 360 | 720;

export interface ClipSpec {
  /** 0-based participant index: picks the picture's colours, motion and the tone's pitch. */
  index: number;
  codec: ClipCodec;
  height: ClipHeight;
}

/** Bump when the clips' recipe changes: old files are then simply not used. */
const RECIPE = 2;
export const CLIP_SECONDS = 8;
/** The "heads'" colours, one per participant. */
const SKIN = ['c89070', 'd8a784', 'a8765a', 'e0b49a', '8d5a3c', 'f0c8a8', 'b88660', '6e4630', 'dcae8c'];
const BITRATE_KBPS: Record<ClipHeight, number> = { 360: 700, 720: 2500 };

export function mediaCacheDir(): string {
  return process.env.JIBRI_TS_MEDIA_CACHE ?? path.join(os.homedir(), '.cache', 'jibri-ts', 'standin-media');
}

/** The clip's file name in the cache, e.g. `p3-vp8-360p-r1.webm`; the server serves it under /media/. */
export function clipName(c: ClipSpec): string {
  return `p${c.index}-${c.codec}-${c.height}p-r${RECIPE}.${c.codec === 'vp8' ? 'webm' : 'mp4'}`;
}

/** The participant's tone, in Hz: a fifth of an octave apart, so every pair is told apart by an FFT. */
export function clipToneHz(index: number): number {
  return Math.round(220 * 2 ** (index / 5));
}

/** Pure: ffmpeg's arguments for one clip. */
export function clipArgv(c: ClipSpec, out: string): string[] {
  const h = c.height;
  const w = Math.round((h * 16) / 9 / 2) * 2;
  const d = CLIP_SECONDS;
  const kbps = BITRATE_KBPS[h];
  const head = `color=c=0x${SKIN[c.index % SKIN.length]}:s=${Math.round(w / 4)}x${Math.round(h / 1.8)}:r=30:d=${d}`;
  // Each participant sways at its own pace and phase; the background drifts.
  const sway = (1 + c.index * 0.17).toFixed(2);
  const video =
    `[0:v][1:v]overlay=x='W/2-w/2+W/6*sin(t*${sway}+${c.index})':y='H/3+H/20*sin(t*${sway}*0.7)',` +
    `noise=alls=8:allf=t,format=yuv420p[v]`;
  const tone = clipToneHz(c.index);
  const audio = `aevalsrc='0.25*sin(2*PI*${tone}*t)*(0.6+0.4*sin(2*PI*${(0.5 + c.index * 0.11).toFixed(2)}*t))':s=48000:d=${d}`;
  const codec =
    c.codec === 'vp8'
      ? ['-c:v', 'libvpx', '-b:v', `${kbps}k`, '-deadline', 'realtime', '-cpu-used', '8', '-threads', '2', '-g', '90', '-c:a', 'libopus', '-b:a', '48k', '-f', 'webm']
      : ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-b:v', `${kbps}k`, '-maxrate', `${Math.round(kbps * 1.2)}k`, '-bufsize', `${kbps}k`, '-g', '90', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-f', 'mp4'];
  return [
    '-v', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `gradients=s=${w}x${h}:r=30:n=3:seed=${c.index + 1}:speed=0.015:d=${d}`,
    '-f', 'lavfi', '-i', head,
    '-f', 'lavfi', '-i', audio,
    '-filter_complex', video, '-map', '[v]', '-map', '2:a',
    ...codec,
    out,
  ];
}

function run(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg could not make a stand-in clip (exit ${code}): ${err.slice(-400)}`))));
  });
}

/**
 * Makes the clips that are missing (one at a time: the machine is shared) and returns the cache folder.
 * A clip is written under a temporary name and renamed, so a killed run never leaves half a clip.
 */
export async function ensureClips(clips: ClipSpec[]): Promise<string> {
  const dir = mediaCacheDir();
  fs.mkdirSync(dir, { recursive: true });
  for (const c of clips) {
    const file = path.join(dir, clipName(c));
    if (fs.existsSync(file)) continue;
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await run(clipArgv(c, tmp));
      fs.renameSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return dir;
}

/**
 * The layer Jitsi's receiver asks for a tile of this height: the smallest simulcast layer at least as
 * tall as the tile, up to 720p (the highest it sends by default).
 */
export function layerFor(tileHeight: number): ClipHeight {
  return tileHeight > 360 ? 720 : 360;
}
