/**
 * Pure: one line of ffmpeg output → what it means for the session. Jibri's OutputParser rules (whole-line
 * matches, in this order), plus the failures users meet most: a full disk and an unwritable folder.
 */
import type { ErrorCode } from '../../errors';

export type FfmpegLine =
  | { kind: 'encoding'; frame?: number; fps?: number; speed?: number; dup?: number; drop?: number; timeSec?: number }
  | { kind: 'finished' }
  | { kind: 'error'; code: ErrorCode; retryable: boolean; line: string }
  | { kind: 'other'; line: string };

const EXIT_LINE = /^Exiting.*signal\s*(\d+).*$/;
const ENCODING_LINE = /^(\s*\S+\s*=\s*\S+)+\s*$/;
const BAD_RTMP = /^rtmp:\/\/.*Input\/output error$/;

function field(line: string, name: string): number | undefined {
  const m = new RegExp(`(?:^|\\s)${name}=\\s*(-?[\\d.]+)`).exec(line);
  return m ? Number(m[1]) : undefined;
}

function timeField(line: string): number | undefined {
  const m = /time=\s*(-?)(\d+):(\d+):([\d.]+)/.exec(line);
  if (!m) return undefined;
  const sec = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -sec : sec;
}

/** The stream's channel to the service (FLV over a unix socket): its end is the RTMP outputs' to judge. */
const STREAM_CHAIN = /^\[(?:flv|unix) @ /;

export function parseFfmpegLine(line: string): FfmpegLine {
  if (STREAM_CHAIN.test(line)) return { kind: 'other', line };
  const exit = EXIT_LINE.exec(line);
  if (exit) {
    if (exit[1] === '2') return { kind: 'finished' };
    return { kind: 'error', code: 'ENCODER_UNEXPECTED_SIGNAL', retryable: true, line };
  }
  if (ENCODING_LINE.test(line)) {
    const out: FfmpegLine = { kind: 'encoding' };
    const values = { frame: field(line, 'frame'), fps: field(line, 'fps'), speed: field(line, 'speed'), dup: field(line, 'dup'), drop: field(line, 'drop'), timeSec: timeField(line) };
    for (const [k, v] of Object.entries(values)) if (v !== undefined && !Number.isNaN(v)) (out as Record<string, unknown>)[k] = v;
    return out;
  }
  if (BAD_RTMP.test(line)) return { kind: 'error', code: 'ENCODER_EXITED', retryable: false, line };
  if (line.includes('Broken pipe')) return { kind: 'error', code: 'BROKEN_PIPE', retryable: true, line };
  if (line.includes('No space left on device')) return { kind: 'error', code: 'DISK_FULL', retryable: true, line };
  return { kind: 'other', line };
}
