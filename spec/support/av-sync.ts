/**
 * Measures sound-to-picture offsets in a recording of the sync page (lib/demo/sync-page.ts): finds each
 * beep onset in the audio (sample-accurate) and each bar onset in the video (frame time minus the bar's
 * width over its speed, averaged over the bar's frames), pairs them, and returns audio minus video in ms.
 * Positive: the sound comes late.
 */
import { spawn } from 'node:child_process';
import { SYNC } from '../../lib/demo/sync-page';
import { runFfmpeg } from './media';

async function streamStarts(file: string): Promise<{ video: number; audio: number }> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,start_time', '-of', 'csv=p=0', file]);
    let s = '';
    child.stdout.on('data', (d: Buffer) => (s += d.toString()));
    child.once('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`ffprobe failed on ${file}`))));
  });
  const starts: Record<string, number> = {};
  for (const line of out.trim().split('\n')) {
    const [type, start] = line.split(',');
    if (type && start !== undefined) starts[type] = Number(start) || 0;
  }
  return { video: starts.video ?? 0, audio: starts.audio ?? 0 };
}

/** Bar onsets in seconds of the file's timeline. */
export async function videoOnsets(file: string, width = 1280, row = SYNC.barHeight / 2): Promise<number[]> {
  const { stdout, stderr } = await runFfmpeg(['-v', 'info', '-i', file, '-copyts', '-map', '0:v:0', '-vf', `format=gray,crop=${width}:1:0:${row},showinfo`, '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1']);
  const times = [...stderr.matchAll(/n:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+)/g)].map((m) => Number(m[1]));
  const frames = Math.floor(stdout.length / width);
  const estimates: number[][] = [];
  let current: number[] | undefined;
  let lastWidth = 0;
  for (let i = 0; i < Math.min(frames, times.length); i++) {
    let w = 0;
    while (w < width && stdout[i * width + w]! > 128) w++;
    const growing = w > 0 && w > lastWidth;
    // Frames where the bar is partly off the end, or has just been cleared, say nothing about its start.
    if (growing && w < width - 2) {
      if (!current) estimates.push((current = []));
      current.push(times[i]! - w / SYNC.speedPxPerSec);
    } else if (w === 0) current = undefined;
    lastWidth = w;
  }
  return estimates.filter((e) => e.length > 0).map((e) => [...e].sort((a, b) => a - b)[Math.floor(e.length / 2)]!);
}

/** Beep onsets in seconds of the file's timeline. */
export async function audioOnsets(file: string, sampleRate = 48000): Promise<number[]> {
  const { stdout } = await runFfmpeg(['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', 'pipe:1']);
  const samples = new Float32Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength - (stdout.byteLength % 4)));
  const onsets: number[] = [];
  const quietNeeded = Math.round(0.2 * sampleRate);
  let quiet = quietNeeded;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.1) {
      if (quiet >= quietNeeded) onsets.push(i / sampleRate);
      quiet = 0;
    } else quiet++;
  }
  return onsets;
}

export interface SyncResult {
  offsetsMs: number[];
  medianMs: number;
  worstMs: number;
}

export function pairOffsets(audio: number[], video: number[], maxGapSec = SYNC.periodMs / 2000): number[] {
  const out: number[] = [];
  for (const a of audio) {
    let best: number | undefined;
    for (const v of video) if (best === undefined || Math.abs(a - v) < Math.abs(a - best)) best = v;
    if (best !== undefined && Math.abs(a - best) < maxGapSec) out.push((a - best) * 1000);
  }
  return out;
}

export function summarize(offsetsMs: number[]): SyncResult {
  const sorted = [...offsetsMs].sort((a, b) => a - b);
  const medianMs = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN;
  const worstMs = offsetsMs.reduce((w, o) => (Math.abs(o) > Math.abs(w) ? o : w), 0);
  return { offsetsMs, medianMs, worstMs };
}

export async function measureSync(file: string): Promise<SyncResult> {
  const [starts, video, audio] = await Promise.all([streamStarts(file), videoOnsets(file), audioOnsets(file)]);
  // Video onsets come from pts (already on the file's timeline); decoded audio starts at its stream's start.
  const audioOnTimeline = audio.map((t) => t + starts.audio);
  return summarize(pairOffsets(audioOnTimeline, video));
}
