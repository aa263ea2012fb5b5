/**
 * What is in a media file, via ffprobe: used by the demo and by the checks. ffprobe runs through the
 * project's runner (fluent-ffmpeg's ffprobe would hand it the service's whole environment).
 */
import { runToEnd } from '../proc/runner';

export interface MediaSummary {
  durationSec: number;
  formatName: string;
  video?: { codec: string; width: number; height: number; fps: number; frames?: number };
  audio?: { codec: string; sampleRate: number; channels: number };
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
}

function rate(r: string | undefined): number {
  const [n, d] = (r ?? '0/1').split('/').map(Number);
  return d ? (n ?? 0) / d : 0;
}

/** Pure: ffprobe's JSON (-show_format -show_streams) → the summary. */
export function summarizeProbe(data: { format?: { duration?: string; format_name?: string }; streams?: ProbeStream[] }): MediaSummary {
  const streams = data.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const frames = v?.nb_frames && v.nb_frames !== 'N/A' ? Number(v.nb_frames) : undefined;
  return {
    durationSec: Number(data.format?.duration ?? 0),
    formatName: data.format?.format_name ?? '',
    ...(v ? { video: { codec: v.codec_name ?? '', width: v.width ?? 0, height: v.height ?? 0, fps: rate(v.avg_frame_rate || v.r_frame_rate), ...(frames !== undefined ? { frames } : {}) } } : {}),
    ...(a ? { audio: { codec: a.codec_name ?? '', sampleRate: Number(a.sample_rate ?? 0), channels: a.channels ?? 0 } } : {}),
  };
}

export async function probeMedia(file: string, ffprobe = 'ffprobe'): Promise<MediaSummary> {
  const r = await runToEnd(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { timeoutMs: 60000 });
  if (r.code !== 0) throw new Error(`ffprobe could not read ${file}: ${(r.stderr || r.error?.message || `exit code ${r.code}`).trim().split('\n').slice(-1)[0]}`);
  return summarizeProbe(JSON.parse(r.stdout) as Parameters<typeof summarizeProbe>[0]);
}

export function describeMedia(m: MediaSummary): string {
  const parts = [`${m.durationSec.toFixed(1)} s`];
  if (m.video) parts.push(`video ${m.video.codec} ${m.video.width}x${m.video.height} ${Math.round(m.video.fps * 100) / 100} fps`);
  if (m.audio) parts.push(`audio ${m.audio.codec} ${m.audio.sampleRate} Hz ${m.audio.channels} ch`);
  return parts.join(', ');
}
