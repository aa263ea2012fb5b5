/** The encoding area: the capture's size and rate, and Jibri's recording encode (x264). */
import type { Reader } from '@jibri-ts/common';

export interface EncodingConfig {
  width: number;
  height: number;
  framerate: number;
  crf: number;
  presetRecording: string;
  queueSize: number;
  /** The sound's own path from the page to the capture; the picture's is measured in every session. */
  audioLatencyMs: number;
}

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

function readResolution(r: Reader, name: string): { width: number; height: number } {
  return r.parsed(name, (raw) => {
    const m = /^(\d{2,5})x(\d{2,5})$/.exec(raw.trim());
    const width = Number(m?.[1]);
    const height = Number(m?.[2]);
    // x264 with yuv420p needs even dimensions.
    if (!m || width % 2 || height % 2 || width > 7680 || height > 4320) return { ok: false, expected: 'expected WIDTHxHEIGHT with even numbers, e.g. 1280x720' };
    return { ok: true, value: { width, height } };
  });
}

export function readEncoding(r: Reader): EncodingConfig {
  const { width, height } = readResolution(r, 'JIBRI_RECORDING_RESOLUTION');
  return {
    width,
    height,
    framerate: r.int('JIBRI_RECORDING_FRAMERATE', 1, 60),
    crf: r.int('JIBRI_RECORDING_CONSTANT_RATE_FACTOR', 0, 51),
    presetRecording: r.oneOf('JIBRI_RECORDING_VIDEO_ENCODE_PRESET_RECORDING', X264_PRESETS),
    queueSize: r.int('JIBRI_RECORDING_QUEUE_SIZE', 8, 1 << 20),
    audioLatencyMs: r.int('JIBRI_RECORDING_AUDIO_LATENCY_MS', 0, 500),
  };
}
