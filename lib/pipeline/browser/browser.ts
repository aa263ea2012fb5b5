/**
 * Chromium through Playwright, headed on the session's display and playing into the session's sink.
 * A persistent context is what keeps --kiosk effective: the window is the page alone, with no tab strip,
 * address bar or scrollbars, edge to edge on a screen the size of the recording.
 */
import * as fs from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright';
import type { BrowserConfig } from '../../config';
import { RecorderError } from '../../errors';
import { childEnv } from '../../proc/child-env';
import { makeTempDir } from '../../proc/temp-dir';

export interface BrowserOptions {
  config: BrowserConfig;
  display: string;
  sinkName: string;
  width: number;
  height: number;
  /** The filtering proxy every connection must go through (JIBRI_BROWSER_PUBLIC_ONLY). */
  proxyUrl?: string;
  /** Chromium runs its sandbox (sandbox.ts decides); without it, --no-sandbox. */
  sandbox?: boolean;
}

export interface SessionBrowser {
  readonly page: Page;
  /** Fires once if the page crashes or the browser goes away while we still want it. */
  onLost(listener: (reason: string) => void): void;
  /** False once the page crashed or the browser went away. */
  alive(): boolean;
  close(): Promise<void>;
}

/**
 * The flags the recorder cannot work without, kept whatever CHROMIUM_FLAGS says: the window must cover
 * the session's screen exactly (the capture is that screen), sound must play without a click, where the
 * host allows no sandbox Chromium is told so (docker-jitsi-meet's template keeps --no-sandbox too), it
 * needs no large /dev/shm, and with JIBRI_BROWSER_PUBLIC_ONLY it goes through the recorder's proxy.
 */
export function requiredChromiumArgs(opts: Pick<BrowserOptions, 'width' | 'height' | 'proxyUrl' | 'sandbox'>): string[] {
  return [
    ...(opts.proxyUrl ? proxyArgs(opts.proxyUrl) : []),
    `--window-position=0,0`,
    // Without a window manager, a "full screen" Chromium window comes out one pixel short on each axis,
    // leaving a black line at the right and bottom of the picture; one pixel more fills the screen.
    `--window-size=${opts.width + 1},${opts.height + 1}`,
    '--autoplay-policy=no-user-gesture-required',
    // Chromium's sandbox needs user namespaces that containers rarely grant (sandbox.ts decides).
    ...(opts.sandbox ? [] : ['--no-sandbox']),
    // /dev/shm is 64 MB in a default container; Chromium then uses /tmp instead of crashing.
    '--disable-dev-shm-usage',
  ];
}

/**
 * Every connection through the recorder's filtering proxy: loopback too (Chromium bypasses the proxy for
 * localhost and loopback addresses unless told `<-loopback>`), and no QUIC, which would not go through an
 * HTTP proxy. WebRTC's UDP is not proxied (docs/SECURITY.md).
 */
export function proxyArgs(proxyUrl: string): string[] {
  return [`--proxy-server=${proxyUrl}`, '--proxy-bypass-list=<-loopback>', '--disable-quic'];
}

/** The recorder's own list, which CHROMIUM_FLAGS replaces (as it replaces Jibri's in docker-jitsi-meet). */
export const DEFAULT_CHROMIUM_FLAGS: readonly string[] = [
  '--kiosk',
  '--start-fullscreen',
  '--use-fake-ui-for-media-stream',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-infobars',
  '--disable-session-crashed-bubble',
  '--disable-features=Translate,MediaRouter,GlobalMediaControls',
  '--hide-scrollbars',
  '--noerrdialogs',
  '--password-store=basic',
];

function switchName(flag: string): string {
  return flag.split('=')[0] ?? flag;
}

export function chromiumArgs(opts: BrowserOptions): string[] {
  const required = requiredChromiumArgs(opts);
  const chosen = opts.config.flags ?? [...DEFAULT_CHROMIUM_FLAGS, ...(opts.config.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : [])];
  // A required switch given with another value (e.g. --window-size) would fight ours; ours stays.
  const requiredSwitches = new Set(required.map(switchName));
  return [...chosen.filter((f) => !requiredSwitches.has(switchName(f))), ...required];
}

export async function launchBrowser(opts: BrowserOptions): Promise<SessionBrowser> {
  if (!fs.existsSync(opts.config.chromiumPath)) {
    throw new RecorderError({
      code: 'BROWSER_LAUNCH_FAILED',
      scope: 'system',
      message: `Chromium was not found at ${opts.config.chromiumPath}`,
      hint: 'Install it with apt-get install chromium, or set JIBRI_CHROMIUM_PATH',
    });
  }
  const userDataDir = makeTempDir('chromium');
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: opts.config.chromiumPath,
      headless: false,
      viewport: null,
      args: chromiumArgs(opts),
      ignoreDefaultArgs: ['--enable-automation'],
      // Playwright adds --no-sandbox unless told the sandbox runs.
      chromiumSandbox: opts.sandbox === true,
      // Signals are the service's to handle (SIGTERM drains, lib/lifecycle.ts): Playwright would close
      // the browser under a running recording, and exit with 130 on SIGINT.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      // The allow-listed environment: Chromium and every page process it starts never see the service's secrets.
      env: childEnv({ DISPLAY: opts.display, PULSE_SINK: opts.sinkName }),
      timeout: 30000,
    });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw new RecorderError({
      code: 'BROWSER_LAUNCH_FAILED',
      message: `Chromium failed to launch: ${(err as Error).message.split('\n')[0]}`,
      hint: 'Check JIBRI_CHROMIUM_PATH and CHROMIUM_FLAGS',
      cause: err,
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closing = false;
  const lostListeners: Array<(reason: string) => void> = [];
  let lost = false;
  let lostReason = '';
  const fireLost = (reason: string): void => {
    if (closing || lost) return;
    lost = true;
    lostReason = reason;
    for (const l of lostListeners) l(reason);
  };
  page.on('crash', () => fireLost('the page crashed'));
  context.on('close', () => fireLost('the browser closed'));
  return {
    page,
    onLost: (l) => {
      // A spare browser can die before its session listens; the session must still hear of it.
      if (lost) l(lostReason);
      else lostListeners.push(l);
    },
    alive: () => !lost && !closing && !page.isClosed(),
    close: async () => {
      if (closing) return;
      closing = true;
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
