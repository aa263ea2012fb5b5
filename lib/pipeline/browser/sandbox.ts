/**
 * Whether Chromium runs with its sandbox. It needs either unprivileged user namespaces (its namespace
 * sandbox: user, pid and network namespaces for each renderer) or a setuid helper (Debian's chromium ships
 * none), and it refuses to sandbox as root. JIBRI_CHROMIUM_SANDBOX: `auto` (the default) sandboxes wherever
 * the host allows it, which the recorder finds out once by creating those namespaces as its own user;
 * `on` insists (the start fails where it cannot); `off` never (as Jibri's images, with --no-sandbox).
 * A renderer compromised by a meeting page is then confined to its namespaces and seccomp filter, instead
 * of running as the recorder's user with everything that user can read.
 */
import { spawnSync } from 'node:child_process';

export type SandboxSetting = 'auto' | 'on' | 'off';

export interface SandboxFacts {
  /** The recorder runs as root (Chromium does not sandbox then). */
  root: boolean;
  /** This user can create user, pid and network namespaces (Chromium's namespace sandbox). */
  userNamespaces: boolean;
}

/** Pure: sandbox or not, and why, in words for the log; an error for `on` where it cannot work. */
export function sandboxDecision(setting: SandboxSetting, facts: SandboxFacts): { sandbox: boolean; why: string } {
  if (setting === 'off') return { sandbox: false, why: 'JIBRI_CHROMIUM_SANDBOX=off' };
  if (facts.root) {
    if (setting === 'on') throw new Error('JIBRI_CHROMIUM_SANDBOX=on: the recorder runs as root, and Chromium does not run its sandbox as root; run the recorder as a user of its own, or set JIBRI_CHROMIUM_SANDBOX=auto');
    return { sandbox: false, why: 'the recorder runs as root, where Chromium does not sandbox; run it as a user of its own to get the sandbox' };
  }
  if (setting === 'on') return { sandbox: true, why: 'JIBRI_CHROMIUM_SANDBOX=on' };
  return facts.userNamespaces
    ? { sandbox: true, why: 'this user can create the namespaces of Chromium\'s sandbox' }
    : { sandbox: false, why: 'this host does not let this user create user namespaces (a container\'s seccomp profile, or kernel.unprivileged_userns_clone=0), so Chromium runs without its sandbox' };
}

/** Whether this process's user can create the namespaces Chromium's sandbox uses (util-linux's unshare). */
export function userNamespacesWork(): boolean {
  const probe = spawnSync('unshare', ['--user', '--pid', '--net', '--fork', 'true'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}
