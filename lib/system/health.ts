/**
 * Can this machine record right now? Each check says what is wrong and what to install or set. Unlike
 * Jibri, whose health never comes back after a system error, the checks are run again (after each
 * session, after a system error and every minute), so a fixed machine turns healthy by itself.
 */
import * as fs from 'node:fs';
import type { Config } from '../config';
import { runToEnd } from '../proc/runner';
import { ensurePulseAudio, reapOrphanSinks } from '../pipeline/audio';
import { asRecorderError } from '../errors';
import { warmEncoder } from '../pipeline/encoder/encoder';

/** Below this, a new recording would soon fill the disk. */
export const MIN_FREE_BYTES = 200 * 1024 * 1024;

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY';

/**
 * One check's result, as health shows it. A type alias, not an interface, so that it fits the
 * open-ended detail entries of the recorder's snapshot.
 */
export type CheckResult = {
  healthStatus: HealthStatus;
  detail: string;
};

const ok = (detail: string): CheckResult => ({ healthStatus: 'HEALTHY', detail });
const bad = (detail: string): CheckResult => ({ healthStatus: 'UNHEALTHY', detail });

export async function checkFfmpeg(binary: string): Promise<CheckResult> {
  const r = await runToEnd(binary, ['-hide_banner', '-formats'], { timeoutMs: 10000 });
  if (r.error || r.code !== 0) return bad(`ffmpeg is missing or broken (${binary}): install it with apt-get install ffmpeg, or set JIBRI_FFMPEG_PATH`);
  const missing = ['x11grab', 'pulse'].filter((f) => !new RegExp(`^\\s*D\\S*\\s+${f}\\s`, 'm').test(r.stdout));
  if (missing.length) return bad(`ffmpeg lacks ${missing.join(' and ')} input support: install Debian's ffmpeg (apt-get install ffmpeg)`);
  await warmEncoder(binary);
  return ok(binary);
}

export function checkChromium(path: string): CheckResult {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return ok(path);
  } catch {
    return bad(`Chromium was not found at ${path}: install it with apt-get install chromium, or set JIBRI_CHROMIUM_PATH`);
  }
}

export async function checkXvfb(): Promise<CheckResult> {
  const r = await runToEnd('sh', ['-c', 'command -v Xvfb']);
  return r.code === 0 ? ok(r.stdout.trim()) : bad('Xvfb is not installed: install it with apt-get install xvfb');
}

export async function checkPulseAudio(): Promise<CheckResult> {
  try {
    await ensurePulseAudio();
    await reapOrphanSinks();
    return ok('running');
  } catch (err) {
    return bad(asRecorderError(err).describe());
  }
}

export function checkRecordingsDir(dir: string): CheckResult {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    return bad(`The recordings folder ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? String(err)}): fix its permissions or set JIBRI_RECORDING_DIR`);
  }
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  if (free < MIN_FREE_BYTES) return bad(`Only ${Math.round(free / 1048576)} MB free in ${dir}: free space or point JIBRI_RECORDING_DIR at a larger volume`);
  return ok(`${dir} (${Math.round(free / 1048576)} MB free)`);
}

export async function runHealthChecks(config: Config): Promise<Record<string, CheckResult>> {
  const [ffmpeg, display, audio] = await Promise.all([checkFfmpeg(config.ffmpegPath), checkXvfb(), checkPulseAudio()]);
  return { ffmpeg, chromium: checkChromium(config.browser.chromiumPath), display, audio, recordings: checkRecordingsDir(config.recording.dir) };
}
