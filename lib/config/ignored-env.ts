/**
 * Pure: variables that change nothing here: docker-jitsi-meet's for parts of Jibri's image that jibri-ts
 * does not have (often set in a `.env` written for Jibri), and jibri-ts's own that were replaced. Set, the
 * start names them (as it names jibri.conf keys it does not act on), each with why.
 */
const IGNORED: ReadonlyArray<[RegExp, string]> = [
  [/^JIBRI_XORG_/, "no Xorg: each session records its own Xvfb display, sized by JIBRI_RECORDING_RESOLUTION"],
  [/^JIBRI_CHROMEDRIVER_/, 'no chromedriver: Chromium is driven through Playwright'],
  [/^AUTOSCALER_SIDECAR_PORT$/, "the autoscaler's sidecar is built in: no sidecar listens for Jibri's webhooks"],
  [/^JIBRI_RECORDING_AUDIO_DELAY_MS$/, "the picture's delay is measured in every session and the sound moved to it; JIBRI_RECORDING_AUDIO_LATENCY_MS is the sound's own path"],
];

/** The warning naming every such variable that is set (not empty), or undefined when none is. */
export function ignoredVariables(env: Record<string, string | undefined>): string | undefined {
  const found: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!env[name]?.trim()) continue;
    const why = IGNORED.find(([re]) => re.test(name))?.[1];
    if (why) found.push(`${name} (${why})`);
  }
  return found.length ? `variables that jibri-ts does not use are set, and change nothing: ${found.join('; ')}` : undefined;
}
