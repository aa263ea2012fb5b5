/** What is in a media file, via ffprobe (through fluent-ffmpeg): used by the demo and by the checks. */
import ffmpeg from 'fluent-ffmpeg';

export interface MediaSummary {
  durationSec: number;
  formatName: string;
  video?: { codec: string; width: number; height: number; fps: number; frames?: number };
  audio?: { codec: string; sampleRate: number; channels: number };
}

function rate(r: string | undefined): number {
  const [n, d] = (r ?? '0/1').split('/').map(Number);
  return d ? (n ?? 0) / d : 0;
}

export function probeMedia(file: string): Promise<MediaSummary> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, (err, data) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      const v = data.streams.find((s) => s.codec_type === 'video');
      const a = data.streams.find((s) => s.codec_type === 'audio');
      resolve({
        durationSec: Number(data.format.duration ?? 0),
        formatName: data.format.format_name ?? '',
        ...(v ? { video: { codec: v.codec_name ?? '', width: v.width ?? 0, height: v.height ?? 0, fps: rate(v.avg_frame_rate || v.r_frame_rate), ...(v.nb_frames && v.nb_frames !== 'N/A' ? { frames: Number(v.nb_frames) } : {}) } } : {}),
        ...(a ? { audio: { codec: a.codec_name ?? '', sampleRate: Number(a.sample_rate ?? 0), channels: a.channels ?? 0 } } : {}),
      });
    });
  });
}

export function describeMedia(m: MediaSummary): string {
  const parts = [`${m.durationSec.toFixed(1)} s`];
  if (m.video) parts.push(`video ${m.video.codec} ${m.video.width}x${m.video.height} ${Math.round(m.video.fps * 100) / 100} fps`);
  if (m.audio) parts.push(`audio ${m.audio.codec} ${m.audio.sampleRate} Hz ${m.audio.channels} ch`);
  return parts.join(', ');
}
