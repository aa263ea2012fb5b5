/**
 * Pure: docker-jitsi-meet's variables for parts of Jibri's image that jibri-ts does not have. They are
 * often set in a `.env` written for Jibri; set, they change nothing here, so the start names them (as it
 * names jibri.conf keys it does not act on), each with why.
 */
const IGNORED: ReadonlyArray<[RegExp, string]> = [
  [/^JIBRI_XORG_/, "no Xorg: each session records its own Xvfb display, sized by JIBRI_RECORDING_RESOLUTION"],
  [/^JIBRI_CHROMEDRIVER_/, 'no chromedriver: Chromium is driven through Playwright'],
  [/^AUTOSCALER_SIDECAR_PORT$/, "the autoscaler's sidecar is built in: no sidecar listens for Jibri's webhooks"],
];

/** The warning naming every such variable that is set (not empty), or undefined when none is. */
export function ignoredDockerJitsiMeetVariables(env: Record<string, string | undefined>): string | undefined {
  const found: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!env[name]?.trim()) continue;
    const why = IGNORED.find(([re]) => re.test(name))?.[1];
    if (why) found.push(`${name} (${why})`);
  }
  return found.length ? `docker-jitsi-meet variables that jibri-ts does not use are set, and change nothing: ${found.join('; ')}` : undefined;
}
