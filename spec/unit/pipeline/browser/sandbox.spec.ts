/** Whether Chromium gets its sandbox: wherever the host allows it, and never as root. */
import { sandboxDecision } from '../../../../lib/pipeline/browser/sandbox';
import { requiredChromiumArgs } from '../../../../lib/pipeline/browser/browser';

describe("Chromium's sandbox", () => {
  it('auto: on for a user that can create user namespaces, off as root or where namespaces are refused', () => {
    expect(sandboxDecision('auto', { root: false, userNamespaces: true })).toMatchObject({ sandbox: true });
    expect(sandboxDecision('auto', { root: false, userNamespaces: false })).toMatchObject({ sandbox: false, why: expect.stringMatching(/user namespaces/) });
    expect(sandboxDecision('auto', { root: true, userNamespaces: true })).toMatchObject({ sandbox: false, why: expect.stringMatching(/root/) });
    expect(sandboxDecision('off', { root: false, userNamespaces: true })).toMatchObject({ sandbox: false });
    expect(sandboxDecision('on', { root: false, userNamespaces: false })).toMatchObject({ sandbox: true });
    expect(() => sandboxDecision('on', { root: true, userNamespaces: true })).toThrow(/JIBRI_CHROMIUM_SANDBOX=on: the recorder runs as root/);
  });

  it('adds --no-sandbox only when the sandbox does not run', () => {
    const size = { width: 1280, height: 720 };
    expect(requiredChromiumArgs({ ...size, sandbox: true })).not.toContain('--no-sandbox');
    expect(requiredChromiumArgs({ ...size, sandbox: false })).toContain('--no-sandbox');
    expect(requiredChromiumArgs({ ...size, proxyUrl: 'http://127.0.0.1:9' })).toEqual(expect.arrayContaining(['--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>', '--disable-quic']));
  });
});
