/** The browser area: the Chromium the recorder drives, its flags, sandbox and what it may reach. */
import { readAllowedHosts, type AllowedHost, type Reader } from '@jibri-ts/common';

export interface BrowserConfig {
  chromiumPath: string;
  /**
   * CHROMIUM_FLAGS (or jibri.conf's chrome.flags): when set, it replaces the recorder's own flag list, as
   * in docker-jitsi-meet; the few flags the recorder cannot work without are still added (browser.ts).
   */
  flags?: string[];
  /** Adds --ignore-certificate-errors to the recorder's own list; not applied when `flags` replaces it. */
  ignoreCertificateErrors: boolean;
  pageLoadTimeoutSec: number;
  /** JIBRI_CHROMIUM_SANDBOX: auto (wherever the host allows), on, off. */
  sandbox: 'auto' | 'on' | 'off';
  /**
   * JIBRI_BROWSER_PUBLIC_ONLY: every connection of the browser goes through the recorder's filtering proxy,
   * which reaches public addresses only, and the hosts in `allowed` (JIBRI_BROWSER_ALLOWED_HOSTS).
   */
  publicOnly?: { allowed: AllowedHost[] };
}

/**
 * CHROMIUM_FLAGS replaces the recorder's flag list, as it replaces Jibri's in docker-jitsi-meet; then
 * IGNORE_CERTIFICATE_ERRORS no longer applies (docker-jitsi-meet's template drops it too).
 */
export function readBrowser(r: Reader, warnings: string[]): BrowserConfig {
  const flags = r.isSet('CHROMIUM_FLAGS') ? r.list('CHROMIUM_FLAGS') : undefined;
  const ignoreCertificateErrors = r.bool('IGNORE_CERTIFICATE_ERRORS');
  if (flags && ignoreCertificateErrors && !flags.includes('--ignore-certificate-errors')) {
    warnings.push('IGNORE_CERTIFICATE_ERRORS does not apply: CHROMIUM_FLAGS replaces the flag list (add --ignore-certificate-errors to it), as in docker-jitsi-meet');
  }
  const allowed = readAllowedHosts(r, 'JIBRI_BROWSER_ALLOWED_HOSTS');
  return {
    chromiumPath: r.text('JIBRI_CHROMIUM_PATH'),
    ...(flags ? { flags } : {}),
    ignoreCertificateErrors,
    pageLoadTimeoutSec: r.duration('JIBRI_PAGE_LOAD_TIMEOUT', 1, 600),
    sandbox: r.oneOf('JIBRI_CHROMIUM_SANDBOX', ['auto', 'on', 'off']),
    ...(r.bool('JIBRI_BROWSER_PUBLIC_ONLY') ? { publicOnly: { allowed } } : {}),
  };
}
