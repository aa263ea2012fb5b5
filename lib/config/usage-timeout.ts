/**
 * Pure: Jibri's usage-timeout, read as Jibri reads it. Jibri keeps it in whole minutes
 * (`getDuration("usage-timeout").toMinutes()`, which truncates), and 0 minutes is no limit; a bare number
 * is HOCON's milliseconds. So `usage-timeout = 3600`, which docker-jitsi-meet's template writes for
 * JIBRI_USAGE_TIMEOUT=3600, is 3.6 seconds, under a minute: no limit at all in Jibri, and so here. Such a
 * value almost always meant something else, so it is named in a warning at start, with the fix.
 */
import { DURATION_FORMS, formatSeconds, parseDuration } from '@jibri-ts/common';

export type UsageTimeout = { ok: true; sec: number; warning?: string } | { ok: false; error: string };

/** `where` names the value as the user wrote it (`JIBRI_USAGE_TIMEOUT=3600`, `jibri.conf ...usage-timeout = 3600`). */
export function jibriUsageTimeout(raw: string | number, where: string): UsageTimeout {
  const parsed = parseDuration(raw, 'ms');
  if (!parsed.ok) return { ok: false, error: `expected ${DURATION_FORMS}, or a number of milliseconds` };
  const minutes = Math.floor(parsed.ms / 60_000);
  const sec = minutes * 60;
  if (parsed.ms === 0) return { ok: true, sec: 0 };
  const bare = typeof raw === 'number' || /^\s*[\d.]+\s*$/.test(raw);
  const fix = 'write it with a unit, e.g. "1 hour" (JIBRI_USAGE_TIMEOUT="1 hour" in docker-jitsi-meet\'s .env), or 0 for no limit';
  if (bare) {
    const read = minutes ? `${formatSeconds(sec)} (whole minutes)` : 'under one minute, so no usage limit applies';
    return { ok: true, sec, warning: `${where} is a bare number: Jibri reads it as ${parsed.ms} milliseconds, ${read}; ${fix}` };
  }
  if (!minutes) return { ok: true, sec, warning: `${where} is under one minute: Jibri keeps usage-timeout in whole minutes, so no usage limit applies; ${fix}` };
  if (sec * 1000 !== parsed.ms) return { ok: true, sec, warning: `${where} is read as ${formatSeconds(sec)}: Jibri keeps usage-timeout in whole minutes` };
  return { ok: true, sec };
}
