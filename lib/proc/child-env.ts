/**
 * The one place that builds a child process's environment. Children (Xvfb, PulseAudio and its tools,
 * Chromium, ffmpeg, ffprobe, the finalize script) get an allow-list of what they need from the service's
 * own environment, never the rest: the service's environment holds its passwords and tokens
 * (JIBRI_XMPP_PASSWORD, JIBRI_RECORDER_PASSWORD, JIBRI_HTTP_API_TOKEN, ...), and a child's environment
 * is readable by anything running as the same user (/proc/<pid>/environ) and is inherited by whatever
 * that child starts in turn.
 *
 * Besides the configuration, which reads the environment once, this is the only reader of process.env.
 */
import { containsSecret } from '../redact';

/**
 * What children need: finding programs and libraries' data (PATH, HOME, XDG_*), the locale and time zone
 * (file names, fonts), the X display (Xvfb's clients) and the PulseAudio server (its socket, cookie and
 * the sink a browser plays into).
 */
const ALLOWED = /^(PATH|HOME|USER|LOGNAME|TMPDIR|LANG|LANGUAGE|LC_[A-Z_]+|TZ|DISPLAY|XAUTHORITY|PULSE_[A-Z_]+|XDG_(RUNTIME_DIR|CONFIG_HOME|CACHE_HOME|DATA_HOME|CONFIG_DIRS|DATA_DIRS)|FONTCONFIG_(FILE|PATH))$/;

/** Names that hold secrets whatever the allow-list says (`*_PASSWORD`, `*_TOKEN`, `*_KEY`, ...). */
const SECRET_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIAL|(^|_)KEY($|_)|APIKEY/i;

/**
 * Pure: the allow-listed part of `from`, plus `extra` (e.g. DISPLAY and PULSE_SINK for a browser), plus
 * the variables an operator named for one child (`passThrough`, the finalize script's
 * JIBRI_FINALIZE_RECORDING_SCRIPT_ENV). A variable named like a secret is dropped unless the operator
 * named it; a value holding a registered secret (the service's own passwords, a stream key) never passes.
 */
export function childEnvFrom(from: NodeJS.ProcessEnv, extra: Record<string, string | undefined> = {}, passThrough: readonly string[] = []): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const named = new Set(passThrough);
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined) continue;
    const allowed = named.has(name) || (ALLOWED.test(name) && !SECRET_NAME.test(name));
    if (allowed && !containsSecret(value)) out[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value !== undefined && !containsSecret(value)) out[name] = value;
  }
  return out;
}

/** The environment for a child of this service: see childEnvFrom. */
export function childEnv(extra: Record<string, string | undefined> = {}, passThrough: readonly string[] = []): NodeJS.ProcessEnv {
  return childEnvFrom(process.env, extra, passThrough);
}
