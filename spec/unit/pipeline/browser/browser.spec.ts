/** Chromium's flags as docker-jitsi-meet's Jibri has them: the recorder's own list, or CHROMIUM_FLAGS with what the recorder cannot work without. */
import { loadConfig } from '../../../../lib/config';
import { chromiumArgs, DEFAULT_CHROMIUM_FLAGS, requiredChromiumArgs } from '../../../../lib/pipeline/browser/browser';

const geometry = { display: ':9', sinkName: 's', width: 1280, height: 720 };

describe('Chromium flags', () => {
  it("are the recorder's own list by default, with --ignore-certificate-errors when asked", () => {
    const args = chromiumArgs({ ...geometry, config: loadConfig({ IGNORE_CERTIFICATE_ERRORS: 'true' }).browser });
    expect(args).toEqual([...DEFAULT_CHROMIUM_FLAGS, '--ignore-certificate-errors', ...requiredChromiumArgs(geometry)]);
  });

  it('are replaced by CHROMIUM_FLAGS, as in docker-jitsi-meet, keeping what the recorder cannot work without', () => {
    const args = chromiumArgs({ ...geometry, config: loadConfig({ CHROMIUM_FLAGS: '--lang=de,--window-size=800,--no-sandbox', IGNORE_CERTIFICATE_ERRORS: 'true' }).browser });
    expect(args).toEqual(['--lang=de', '--window-position=0,0', '--window-size=1281,721', '--autoplay-policy=no-user-gesture-required', '--no-sandbox', '--disable-dev-shm-usage']);
    expect(args).not.toContain('--kiosk');
    expect(args).not.toContain('--ignore-certificate-errors');
  });
});
